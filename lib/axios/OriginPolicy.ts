import type { AxiosInstance } from 'axios';
import { originOf } from './originOf';

/** The origins a token may be sent to; everything else gets no token. */
export class OriginPolicy {
  private constructor(private readonly allowed: ReadonlySet<string>) {}

  /**
   * The `allowedOrigins` given, or else the origin of the instance's `baseURL`.
   * @throws TypeError when an entry has no origin, or when there is neither list nor absolute baseURL.
   */
  static forInstance(instance: AxiosInstance, allowedOrigins: readonly string[] | undefined): OriginPolicy {
    if (allowedOrigins) {
      return new OriginPolicy(
        new Set(
          allowedOrigins.map(entry => {
            const origin = originOf(entry);
            if (!origin) throw new TypeError(`allowedOrigins: "${entry}" is not an absolute URL with an origin`);
            return origin;
          }),
        ),
      );
    }
    const origin = originOf(instance.defaults.baseURL);
    if (!origin) {
      throw new TypeError(
        'installKeycloakAuth: the axios instance has no absolute baseURL; set one or pass allowedOrigins, so that the token only goes where it belongs',
      );
    }
    return new OriginPolicy(new Set([origin]));
  }

  /** Whether a token may go to `origin`; an unknown origin never gets one. */
  allows(origin: string | undefined): boolean {
    // The set holds origins only, never undefined (forInstance refuses an entry without one).
    return (this.allowed as ReadonlySet<string | undefined>).has(origin);
  }
}
