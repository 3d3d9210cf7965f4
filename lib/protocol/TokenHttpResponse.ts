/** What the judging of a token request needs of its HTTP answer, whatever the transport. */
export interface TokenHttpResponse {
  status: number;
  /** A response header by its lower-case name, when it is one string. */
  header(name: string): string | undefined;
  /** The raw body: text, a Buffer, or an already parsed value (from a mock adapter). */
  body: unknown;
  /** The URL that was asked, to resolve a relative `Location`. */
  url: string;
}

/** A validated token response. `expiresIn` is undefined when absent or unusable. */
export interface TokenResponse {
  accessToken: string;
  /** Seconds, as the server sent it (numeric strings accepted). */
  expiresIn?: number;
  /** Why `expiresIn` is undefined, for the caller's warning. */
  expiresInProblem?: 'missing' | 'invalid';
}
