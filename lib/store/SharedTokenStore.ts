import type { LoggerLike } from '../logging/LoggerLike';
import { checkNumber } from '../util/checks';
import type { Timers } from '../util/Timers';
import type { UsableToken } from '../util/UsableToken';
import { TokenSealer, type TokenSealerBinding } from './TokenSealer';
import type { TokenStore, TokenStoreSecret } from './TokenStore';

/** Default bound on every token store call (secret lookup included), in ms: a network cache round trip with room to spare. */
export const DEFAULT_TOKEN_STORE_TIMEOUT_MS = 250;
/** Least time between two warnings about the token store, in ms. */
export const TOKEN_STORE_WARN_INTERVAL_MS = 60_000;

export interface SharedTokenStoreOptions {
  store: TokenStore;
  /** Key material for sealing: the client secret by default (see `tokenStoreSecret`). */
  secret: TokenStoreSecret;
  binding: TokenSealerBinding;
  /** Bound on every call, in ms. Default {@link DEFAULT_TOKEN_STORE_TIMEOUT_MS}. */
  timeoutMs?: number;
  timers: Timers;
  now: () => number;
  logger?: LoggerLike;
}

const FAILED = Symbol('failed');

/**
 * The manager's side of a shared {@link TokenStore}: names the key, seals and opens entries,
 * bounds every call by `timeoutMs`, and turns every store problem into a miss, logged as a
 * warning at most once a minute with neither token nor secret in it.
 */
export class SharedTokenStore {
  readonly #store: TokenStore;
  readonly #secret: TokenStoreSecret;
  readonly #binding: TokenSealerBinding;
  readonly #timeoutMs: number;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #logger: LoggerLike | undefined;
  /** The sealer of the last key material, kept with a copy of its bytes. */
  #sealer?: { material: Buffer; sealer: TokenSealer };
  #lastWarnAt = -Infinity;
  /** The last delete this manager sent: its own later read waits for it, so that the delete cannot remove what it writes next. */
  #deleting: Promise<unknown> = Promise.resolve();

  constructor(options: SharedTokenStoreOptions) {
    const { store } = options;
    if (
      typeof store !== 'object' ||
      store === null ||
      !['get', 'set', 'delete'].every(name => typeof (store as unknown as Record<string, unknown>)[name] === 'function')
    ) {
      throw new TypeError('tokenStore must have get, set and delete methods (a Backstage CacheService works as is)');
    }
    const secret = options.secret;
    if (typeof secret === 'string' || secret instanceof Uint8Array ? secret.length === 0 : typeof secret !== 'function') {
      throw new TypeError('tokenStoreSecret must be a non-empty string or Uint8Array, or a function returning one');
    }
    const timeoutMs = checkNumber('tokenStoreTimeoutMs', options.timeoutMs ?? DEFAULT_TOKEN_STORE_TIMEOUT_MS, { min: 1 });
    this.#store = store;
    this.#secret = secret;
    this.#binding = options.binding;
    this.#timeoutMs = timeoutMs;
    this.#timers = options.timers;
    this.#now = options.now;
    this.#logger = options.logger;
  }

  /** The usable-looking entry, or `undefined` on a miss, a failure, a timeout or anything that does not open. Never rejects. */
  async read(): Promise<UsableToken | undefined> {
    const result = await this.#bounded('read', async () => {
      await this.#deleting;
      const sealer = await this.#currentSealer();
      return { sealer, value: await this.#store.get(sealer.keyName) };
    });
    // Stryker disable next-line ConditionalExpression: a failure has no value either, so the next line returns undefined for it too
    if (result === FAILED) return undefined;
    if (result.value === undefined || result.value === null) return undefined;
    const token = result.sealer.open(result.value);
    if (!token) this.#logger?.debug('Ignored a token store entry that does not open (other secret, version or tampered)');
    return token;
  }

  /** Stores the token for its remaining usable life. Never rejects. */
  async write(token: UsableToken): Promise<void> {
    await this.#bounded('write', async () => {
      const ttl = Math.floor(token.usableUntil - this.#now());
      if (ttl < 1) return;
      const sealer = await this.#currentSealer();
      await this.#store.set(sealer.keyName, sealer.seal(token), { ttl });
    });
  }

  /** Deletes the entry only if it still holds this token (a rejected one). Never rejects. */
  async deleteIf(accessToken: string): Promise<void> {
    await this.#deleteBounded(async () => {
      const sealer = await this.#currentSealer();
      // Not atomic: a newer token written between the get and the delete is lost, which costs
      // one token request somewhere in the fleet, never a wrong token.
      const stored = sealer.open(await this.#store.get(sealer.keyName));
      if (stored?.accessToken === accessToken) await this.#store.delete(sealer.keyName);
    });
  }

  /** Deletes the entry, whatever it holds. Never rejects. */
  async clear(): Promise<void> {
    await this.#deleteBounded(async () => {
      const sealer = await this.#currentSealer();
      await this.#store.delete(sealer.keyName);
    });
  }

  #deleteBounded(work: () => Promise<void>): Promise<unknown> {
    const deleting = this.#bounded('delete', work);
    this.#deleting = deleting;
    return deleting;
  }

  async #currentSealer(): Promise<TokenSealer> {
    const source = this.#secret;
    const material: unknown = typeof source === 'function' ? await source() : source;
    if (!(typeof material === 'string' || material instanceof Uint8Array)) {
      // Stryker disable next-line StringLiteral: only the error's name reaches the log (describeError)
      throw new TypeError('the token store secret function returned no secret');
    }
    // A copy: a function that rotates the key in the same Uint8Array must not match its old self.
    // Empty material is refused by the TokenSealer below.
    const bytes = Buffer.from(material);
    const current = this.#sealer;
    // Stryker disable next-line ConditionalExpression: a sealer made afresh for the same bytes derives the same keys; the cache only saves the HKDF work
    if (current?.material.equals(bytes)) return current.sealer;
    const sealer = new TokenSealer(bytes, this.#binding);
    this.#sealer = { material: bytes, sealer };
    return sealer;
  }

  /** Runs one store call within the time bound; a rejection or a timeout is `FAILED`, logged. */
  #bounded<T>(operation: string, work: () => Promise<T>): Promise<T | typeof FAILED> {
    return new Promise(resolve => {
      let timedOut = false;
      const handle = this.#timers.setTimeout(() => {
        timedOut = true;
        this.#warn(operation, `no answer within ${this.#timeoutMs} ms`);
        resolve(FAILED);
      }, this.#timeoutMs);
      // A store that answers after the bound is ignored, its rejection included (a second resolve does nothing).
      work().then(
        value => {
          this.#timers.clearTimeout(handle);
          resolve(value);
        },
        (error: unknown) => {
          if (timedOut) return;
          this.#timers.clearTimeout(handle);
          this.#warn(operation, describeError(error));
          resolve(FAILED);
        },
      );
    });
  }

  #warn(operation: string, problem: string): void {
    const now = this.#now();
    if (now - this.#lastWarnAt < TOKEN_STORE_WARN_INTERVAL_MS) return;
    this.#lastWarnAt = now;
    this.#logger?.warn(
      `Token store ${operation} failed (${problem}); this replica uses its own token requests meanwhile. Check the cache (backend.cache).`,
      { clientId: this.#binding.clientId, operation },
    );
  }
}

// The store's own message could quote anything it was given; only its class and code are kept.
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a ${typeof error} was thrown`;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? `${error.name} ${code}` : error.name;
}
