/** A JSON value, as a key-value store keeps it. */
export type TokenStoreJson = string | number | boolean | null | TokenStoreJson[] | { [key: string]: TokenStoreJson };

/**
 * A shared key-value store with expiry, typed structurally so that a Backstage `CacheService`
 * (`coreServices.cache`, backed by memory, Redis, Valkey or memcache per `backend.cache.store`)
 * is passed as is. Whatever `get` returns is untrusted: the package opens it or treats it as a miss.
 */
export interface TokenStore {
  get(key: string): Promise<unknown>;
  /** `ttl` in milliseconds. */
  set(key: string, value: TokenStoreJson, options: { ttl: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The sealing secret, or a function returning it (called per store operation, so rotation is picked up). */
export type TokenStoreSecret = string | Uint8Array | (() => string | Uint8Array | Promise<string | Uint8Array>);
