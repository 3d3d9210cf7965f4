import type { InternalAxiosRequestConfig } from 'axios';
import type { OriginPolicy } from '../policy/OriginPolicy';
import { originOf } from '../policy/originOf';

type BeforeRedirect = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;

/**
 * Node's http adapter follows redirects; the token must not follow one off the allowed origins.
 * The guard is a `beforeRedirect` hook that strips `Authorization` when the next hop is not allowed.
 */
export class RedirectGuard {
  private readonly guards = new WeakSet<BeforeRedirect>();
  private readonly sharedGuard: BeforeRedirect;

  constructor(private readonly policy: OriginPolicy) {
    this.sharedGuard = redirectOptions => this.stripOffOrigin(redirectOptions);
    this.guards.add(this.sharedGuard);
  }

  /** Puts the guard on a request that carries a token, after any `beforeRedirect` of the caller's. */
  protect(config: InternalAxiosRequestConfig): void {
    const userBeforeRedirect = config.beforeRedirect;
    if (userBeforeRedirect === undefined) {
      config.beforeRedirect = this.sharedGuard;
    } else if (!this.guards.has(userBeforeRedirect)) {
      const guard: BeforeRedirect = (redirectOptions, responseDetails, requestDetails) => {
        // The caller's hook runs first, so that it cannot put the token back for another origin.
        userBeforeRedirect(redirectOptions, responseDetails, requestDetails);
        this.stripOffOrigin(redirectOptions);
      };
      this.guards.add(guard);
      config.beforeRedirect = guard;
    }
  }

  private stripOffOrigin(redirectOptions: Record<string, unknown>): void {
    const target =
      originOf(typeof redirectOptions.href === 'string' ? redirectOptions.href : undefined) ??
      (typeof redirectOptions.protocol === 'string' && typeof redirectOptions.host === 'string'
        ? originOf(`${redirectOptions.protocol}//${redirectOptions.host}`)
        : undefined);
    if (!this.policy.allows(target)) {
      const headers = redirectOptions.headers as Record<string, unknown> | undefined;
      if (headers) for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    }
  }
}
