// undici-oidc-interceptor ships no types; the bench uses only its documented entry point.
declare module 'undici-oidc-interceptor' {
  import type { Dispatcher } from 'undici';
  export function createOidcInterceptor(options: {
    clientId: string;
    clientSecret?: string;
    idpTokenUrl: string;
    retryOnStatusCodes?: number[];
    urls?: string[];
    accessToken?: string;
  }): Dispatcher.DispatcherComposeInterceptor;
}
