import type { InternalAxiosRequestConfig } from 'axios';

// Enough for any request still in flight: tokens change every few minutes, or once per 401 storm.
const REMEMBERED_TOKENS = 16;

/**
 * The `Authorization` values this installation put on requests, so that a 401 can tell whether
 * the request carried a token of ours and which one, from the request's own header. Nothing is
 * stored per request: the header is the record, which costs the cached path nothing.
 */
export class SentTokens {
  // Header value → token, oldest first.
  private readonly byHeader = new Map<string, string>();
  private lastToken: string | undefined;
  private lastHeader = '';

  /** The `Authorization` value for `token`; the same string for the same token (axios copies it per request). */
  headerFor(token: string): string {
    if (token === this.lastToken) return this.lastHeader;
    const header = `Bearer ${token}`;
    this.byHeader.delete(header);
    this.byHeader.set(header, token);
    if (this.byHeader.size > REMEMBERED_TOKENS) this.byHeader.delete(this.byHeader.keys().next().value as string);
    this.lastToken = token;
    this.lastHeader = header;
    return header;
  }

  /** The token of ours the request carried, or undefined when its `Authorization` is not one we set. */
  tokenOf(config: InternalAxiosRequestConfig): string | undefined {
    const headers = config.headers as { get?: (name: string) => unknown } | undefined;
    const value = typeof headers?.get === 'function' ? headers.get('Authorization') : undefined;
    // A value that is not one of our header strings (an array, say) is simply not found.
    return this.byHeader.get(value as string);
  }
}
