import { ServiceUnavailableError } from '@backstage/errors';
import type { AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import type { KagentiApiClient } from '../client/KagentiApiClient';
import type { KagentiApiService, KagentiServiceRequest } from './KagentiApiService';
import { toBackstageError } from './toBackstageError';
import { userRefFromCredentials } from './userRefFromCredentials';

const isReadable = (value: unknown): value is Readable =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Readable).destroy === 'function' &&
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
  #closed = false;

  constructor(client: KagentiApiClient) {
    this.#client = client;
  }

  async requestCore<T = unknown>(request: KagentiServiceRequest): Promise<AxiosResponse<T>> {
    const { credentials, signal, userRef: givenUserRef, ...coreRequest } = request;
    if (credentials !== undefined && givenUserRef !== undefined) {
      throw new TypeError('Give either userRef or credentials, not both: credentials already name the user');
    }
    const userRef = credentials === undefined ? givenUserRef : userRefFromCredentials(credentials);
    if (this.#closed) {
      throw new ServiceUnavailableError(
        `Kagenti API request ${request.method.toUpperCase()} ${request.path.split('?')[0]} not sent: the Kagenti service is shut down (the backend is stopping)`,
      );
    }

    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onCallerAbort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.#inflight.add(controller);
    try {
      const response = await this.#client.requestCore<T>({
        ...coreRequest,
        ...(userRef !== undefined ? { userRef } : {}),
        signal: controller.signal,
      });
      this.#track(response.data);
      return response;
    } catch (error) {
      throw toBackstageError(error, request);
    } finally {
      signal?.removeEventListener('abort', onCallerAbort);
      this.#inflight.delete(controller);
    }
  }

  /** Aborts requests in flight, destroys open response streams and closes the token manager. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#inflight) controller.abort(new Error('the Kagenti service is shut down'));
    for (const stream of this.#streams) stream.destroy();
    this.#client.close();
  }

  #track(data: unknown): void {
    if (!isReadable(data) || data.destroyed) return;
    this.#streams.add(data);
    data.once('close', () => this.#streams.delete(data));
  }
}
