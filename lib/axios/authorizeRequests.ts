import type { InternalAxiosRequestConfig } from 'axios';
import type { OriginPolicy } from '../policy/OriginPolicy';
import type { RedirectGuard } from './RedirectGuard';
import { requestOrigin } from './requestOrigin';
import { failWithoutSending, sendWhenTokenArrives } from './sendWhenTokenArrives';
import type { SentTokens } from './SentTokens';
import type { TokenSource } from '../policy/TokenSource';
import { waitForToken } from './waitForToken';

/** What the request interceptor works with. */
export interface RequestAuthorizerParts {
  tokens: TokenSource;
  policy: OriginPolicy;
  redirectGuard: RedirectGuard;
  sentTokens: SentTokens;
}

type RequestInterceptor = (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig;

/**
 * The request interceptor: sets `Authorization: Bearer <token>` on a request to an allowed origin
 * (unless `kagentiAuth.skip`) and guards its redirects.
 *
 * It is synchronous (installed with axios' `synchronous: true`) and never throws: a usable cached
 * token is attached at once; a request that must wait for its token waits in its adapter
 * ({@link sendWhenTokenArrives}), where the origin is checked again; anything thrown here rejects
 * the request unsent.
 */
export function authorizeRequests({ tokens, policy, redirectGuard, sentTokens }: RequestAuthorizerParts): RequestInterceptor {
  const mayCarryToken = (config: InternalAxiosRequestConfig): boolean =>
    !config.kagentiAuth?.skip && policy.allows(requestOrigin(config));

  const attach = (config: InternalAxiosRequestConfig, token: string): InternalAxiosRequestConfig => {
    config.headers.set('Authorization', sentTokens.headerFor(token));
    redirectGuard.protect(config);
    return config;
  };

  // Runs in the adapter, after every interceptor. A config sent again after its adapter was swapped
  // (a re-sent error.config, say) may have been pointed elsewhere since: the origin is decided when
  // the request leaves. An interceptor that ran after this one and set its own `Authorization` keeps
  // it, as it would have over a cached token.
  const attachWhenItArrives =
    (headerBefore: unknown) =>
    async (config: InternalAxiosRequestConfig): Promise<void> => {
      if (!mayCarryToken(config)) return;
      if (config.headers.get('Authorization') !== headerBefore) {
        redirectGuard.protect(config);
        return;
      }
      attach(config, await waitForToken(tokens, config));
    };

  return config => {
    try {
      if (!mayCarryToken(config)) return config;
      if (config.kagentiAuth?.minTokenLifetimeMs === undefined && tokens.getCachedToken) {
        const cached = tokens.getCachedToken();
        if (cached !== undefined) return attach(config, cached);
      }
      return sendWhenTokenArrives(config, attachWhenItArrives(config.headers.get('Authorization')));
    } catch (error) {
      return failWithoutSending(config, error);
    }
  };
}
