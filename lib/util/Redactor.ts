const REDACTED = '[REDACTED]';

/**
 * Replaces known secret strings in text that came from elsewhere (a server's
 * `error_description`, a network error's message) before it goes into an error or a log.
 * A misconfigured proxy can echo the request back; this keeps that echo out of logs.
 */
export class Redactor {
  private readonly secrets: string[] = [];

  add(...values: Array<string | undefined>): this {
    for (const value of values) {
      // Even a very short secret is redacted: a mangled message is better than a leaked secret.
      if (value && !this.secrets.includes(value)) this.secrets.push(value);
    }
    // Longest first, so a secret is not half-replaced by one of its own substrings.
    this.secrets.sort((a, b) => b.length - a.length);
    return this;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }
}
