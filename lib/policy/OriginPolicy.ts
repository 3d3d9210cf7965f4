import { originOf } from './originOf';

/** The origins a token may be sent to; everything else gets no token. Transport-agnostic. */
export class OriginPolicy {
  private constructor(private readonly allowed: ReadonlySet<string>) {}

  /**
   * The `allowedOrigins` given, or else the origin of `baseUrl`.
   * @param noOrigin - the message when there is neither list nor absolute `baseUrl`.
   * @throws TypeError when an entry has no origin, or when there is neither list nor absolute `baseUrl`.
   */
  static create(allowedOrigins: readonly string[] | undefined, baseUrl: string | undefined, noOrigin: string): OriginPolicy {
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
    const origin = originOf(baseUrl);
    if (!origin) throw new TypeError(noOrigin);
    return new OriginPolicy(new Set([origin]));
  }

  /** Whether a token may go to `origin`; an unknown origin never gets one. */
  allows(origin: string | undefined): boolean {
    // The set holds origins only, never undefined (create refuses an entry without one).
    return (this.allowed as ReadonlySet<string | undefined>).has(origin);
  }

  /** Whether a token may go to an absolute `url` (a redirect's target, say); a relative or unreadable one never gets it. */
  allowsUrl(url: string | undefined): boolean {
    return this.allows(originOf(url));
  }
}
