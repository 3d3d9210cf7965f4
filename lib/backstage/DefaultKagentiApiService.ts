import { ServiceUnavailableError } from '@backstage/errors';
import type { AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import type { KagentiApiClient } from '../client/KagentiApiClient';
import type { AuthorizedFetchInit } from '../fetch/AuthorizedFetch';
import type { KagentiApiService, KagentiServiceFetchOptions, KagentiServiceRequest } from './KagentiApiService';
import { toBackstageError } from './toBackstageError';
import { userRefFromCredentials } from './userRefFromCredentials';

// Parsed JSON has no methods: among what axios answers, only a stream has destroy() and once().
const isReadable = (value: unknown): value is Readable =>
  typeof (value as Partial<Readable> | null | undefined)?.destroy === 'function' &&
  // Stryker disable next-line ConditionalExpression: no answer has destroy() without once()
  typeof (value as Readable).once === 'function';

/**
 * The service a plugin gets: maps credentials to `X-Backstage-User`, maps failures to
 * Backstage errors, and on `close()` ends everything it started (requests, open streams, the
 * token manager), so nothing of it keeps a stopping backend alive.
 */
export class DefaultKagentiApiService implements KagentiApiService {
  readonly #client: KagentiApiClient;
  readonly #inflight = new Set<AbortController>();
  readonly #streams = new Set<Readable>();
  /** Fetch answers whose bodies may still be open: aborting their request's signal ends them. */
  readonly #fetchBodies = new Map<AbortController, WeakRef<Response>>();
  #closed = false;

  constructor(client: KagentiApiClient) {
    this.#client = client;
  }

  async requestCore<T = unknown>(request: KagentiServiceRequest): Promise<AxiosResponse<T>> {
    const { credentials, signal, userRef: givenUserRef, ...coreRequest } = request;
    const userRef = this.#userRefOf(credentials, givenUserRef);
    this.#assertOpen(request);
    const { controller, onCallerAbort } = this.#linkedController(signal);
    try {
      const response = await this.#client.requestCore<T>({
        ...coreRequest,
        // The client sends no header for an undefined userRef.
        userRef,
        signal: controller.signal,
      });
      this.#track(response.data);
      return response;
    } catch (error) {
      throw toBackstageError(error, { ...request, ...this.#cancelledBy(signal) });
    } finally {
      signal?.removeEventListener('abort', onCallerAbort);
      this.#inflight.delete(controller);
    }
  }

  async fetch(path: string, init: AuthorizedFetchInit = {}, options: KagentiServiceFetchOptions = {}): Promise<Response> {
    const { credentials, userRef: givenUserRef, ...fetchOptions } = options;
    const userRef = this.#userRefOf(credentials, givenUserRef);
    const request = { method: init.method ?? 'GET', path };
    this.#assertOpen(request);
    const signal = init.signal ?? undefined;
    const { controller, onCallerAbort } = this.#linkedController(signal);
    try {
      const response = await this.#client.fetch(path, { ...init, signal: controller.signal }, { ...fetchOptions, userRef });
      if (response.body !== null) this.#trackBody(controller, response);
      return response;
    } catch (error) {
      throw toBackstageError(error, { ...request, ...this.#cancelledBy(signal) });
    } finally {
      this.#inflight.delete(controller);
      // The caller's abort must still end the body: only a request that failed lets go of it.
      if (!this.#fetchBodies.has(controller)) signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Aborts requests in flight, destroys open response streams and closes the token manager. Idempotent. */
  close(): void {
    // Stryker disable next-line ConditionalExpression: a second pass would abort what is aborted, destroy what is destroyed and close a closed client, all of which do nothing
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of [...this.#inflight, ...this.#fetchBodies.keys()])
      controller.abort(new Error('the Kagenti service is shut down'));
    for (const stream of this.#streams) stream.destroy();
    this.#client.close();
  }

  #userRefOf(credentials: KagentiServiceRequest['credentials'], userRef: string | undefined): string | undefined {
    if (credentials !== undefined && userRef !== undefined) {
      throw new TypeError('Give either userRef or credentials, not both: credentials already name the user');
    }
    return credentials === undefined ? userRef : userRefFromCredentials(credentials);
  }

  /** Who cancelled a request that failed now: close() (shutdown) or the caller's signal. */
  #cancelledBy(signal: AbortSignal | undefined): { cancelledBy?: 'shutdown' | 'caller' } {
    if (this.#closed) return { cancelledBy: 'shutdown' };
    return signal?.aborted ? { cancelledBy: 'caller' } : {};
  }

  #assertOpen(request: { method: string; path: string }): void {
    if (!this.#closed) return;
    throw new ServiceUnavailableError(
      `Kagenti API request ${request.method.toUpperCase()} ${request.path.split('?')[0]} not sent: the Kagenti service is shut down (the backend is stopping)`,
    );
  }

  /** A controller for one request, aborted with the caller's signal and by close(); in flight until the request settles. */
  #linkedController(signal: AbortSignal | undefined): { controller: AbortController; onCallerAbort: () => void } {
    const controller = new AbortController();
    // Stryker disable next-line OptionalChaining: only ever called with a signal (below)
    const onCallerAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onCallerAbort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.#inflight.add(controller);
    return { controller, onCallerAbort };
  }

  /** Keeps a fetch answer's controller so that close() ends its body; answers already collected are forgotten. */
  #trackBody(controller: AbortController, response: Response): void {
    for (const [known, ref] of this.#fetchBodies) if (ref.deref() === undefined) this.#fetchBodies.delete(known);
    this.#fetchBodies.set(controller, new WeakRef(response));
  }

  #track(data: unknown): void {
    if (!isReadable(data) || data.destroyed) return;
    this.#streams.add(data);
    // Stryker disable next-line StringLiteral,ArrowFunction: forgetting a closed stream only frees memory; destroying it again at close() does nothing
    data.once('close', () => this.#streams.delete(data));
  }
}
