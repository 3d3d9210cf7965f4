/**
 * Base class of every error this package throws on purpose. Each subclass has a stable
 * `code` to branch on; messages are for people and may change.
 *
 * Safe to log by construction: no instance ever holds a client secret, a Basic header,
 * a token-request body, an access token or an axios config.
 */
export abstract class KagentiAuthError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    // Enumerable, so that loggers that serialize an error's own fields (Backstage's logs a cause
    // as JSON) show what failed and what to check: messages hold no secret by construction.
    Object.defineProperty(this, 'message', { value: message, enumerable: true, writable: true, configurable: true });
  }
}
