import type { LoggerLike } from '../logging/LoggerLike';
import { type LifetimeNote, UNKNOWN_EXPIRY_USABLE_MS } from './expiryPolicy';

/** The configuration warnings of one manager, each logged once: they are true of every token until fixed. */
export class TokenWarnings {
  readonly #warned = new Set<string>();

  constructor(
    private readonly logger: LoggerLike | undefined,
    private readonly clientId: string,
  ) {}

  /** A fresh token is used for less than `expires_in − buffer`, and why. */
  lifetime(note: LifetimeNote, expiresIn: number | undefined, bufferMs: number): void {
    if (note === 'short-lifetime') {
      this.#once(
        note,
        `Keycloak tokens live ${expiresIn} s, not more than the ${bufferMs / 1000} s expiry buffer; each is used for half its lifetime. Lower tokenExpiryBufferSeconds or raise the access token lifespan in Keycloak.`,
      );
      return;
    }
    this.#once(
      // Stryker disable next-line StringLiteral: any key unlike the other two warnings' keys keeps each logged once
      'expires-in',
      `Keycloak token response has ${note === 'missing-expiry' ? 'no' : 'an invalid'} expires_in; using each token for ${UNKNOWN_EXPIRY_USABLE_MS / 1000} s. Check the token endpoint.`,
    );
  }

  /** Tokens are usable for less than a stream asks for. */
  shortForStreaming(usableMs: number, wantedMs: number): void {
    this.#once(
      // Stryker disable next-line StringLiteral: any key unlike the other two warnings' keys keeps each logged once
      'streaming',
      `Keycloak tokens are usable for ${Math.round(usableMs / 1000)} s, less than the ${Math.round(wantedMs / 1000)} s asked for a stream; streams may outlive their token. Raise the access token lifespan in Keycloak, or lower the stream's minimum lifetime or tokenExpiryBufferSeconds.`,
    );
  }

  #once(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.logger?.warn(message, { clientId: this.clientId });
  }
}
