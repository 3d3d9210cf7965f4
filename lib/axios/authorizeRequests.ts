import type { InternalAxiosRequestConfig } from 'axios';
import type { OriginPolicy } from './OriginPolicy';
import type { RedirectGuard } from './RedirectGuard';
import { requestOrigin } from './requestOrigin';
import type { SentTokens } from './SentTokens';
import type { TokenSource } from './TokenSource';
import { waitForToken } from './waitForToken';

/** What the request interceptor works with. */
export interface RequestAuthorizerParts {
  tokens: TokenSource;
  policy: OriginPolicy;
  redirectGuard: RedirectGuard;
  sentTokens: SentTokens;
}

type RequestInterceptor = (
  config: InternalAxiosRequestConfig,
) => InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig>;

/**
 * The request interceptor: sets `Authorization: Bearer <token>` on a request to an allowed origin
 * (unless `kagentiAuth.skip`) and guards its redirects.
 */
export function authorizeRequests({ tokens, policy, redirectGuard, sentTokens }: RequestAuthorizerParts): RequestInterceptor {
  const attach = (config: InternalAxiosRequestConfig, token: string): InternalAxiosRequestConfig => {
    config.headers.set('Authorization', sentTokens.headerFor(token));
    redirectGuard.protect(config);
    return config;
  };

  return config => {
    const requestOptions = config.kagentiAuth;
    if (requestOptions?.skip || !policy.allows(requestOrigin(config))) return config;
    // The common case needs no promise: a usable cached token is attached at once.
    if (requestOptions?.minTokenLifetimeMs === undefined && tokens.getCachedToken) {
      const cached = tokens.getCachedToken();
      if (cached !== undefined) return attach(config, cached);
    }
    return waitForToken(tokens, config).then(token => attach(config, token));
  };
}
