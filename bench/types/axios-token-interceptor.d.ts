// axios-token-interceptor ships no types; this covers what its README documents.
declare module 'axios-token-interceptor' {
  import type { InternalAxiosRequestConfig } from 'axios';

  interface TokenProviderOptions<T> {
    token?: T;
    getToken?: () => T | Promise<T>;
    header?: string;
    headerFormatter?: (token: T) => string;
  }

  interface TokenCache<T> {
    (): Promise<T>;
    reset(): void;
  }

  interface TokenCacheOptions<T> {
    maxAge?: number;
    getMaxAge?: (token: T) => number;
  }

  function tokenProvider<T = string>(
    options: TokenProviderOptions<T>,
  ): (config: InternalAxiosRequestConfig) => Promise<InternalAxiosRequestConfig>;

  namespace tokenProvider {
    function tokenCache<T>(getToken: () => Promise<T>, options: TokenCacheOptions<T>): TokenCache<T>;
  }

  export = tokenProvider;
}
