import { isTokenRejection } from './parseWwwAuthenticate';

/** What is known of a failed response to a request that carried a token of ours. */
export interface RejectedTokenAnswer {
  status: number | undefined;
  /** `WWW-Authenticate`, joined when it came as several headers. */
  wwwAuthenticate: string | undefined;
  /** The request is itself the one retry. */
  retried: boolean;
  /** Its body can be sent again as it was (not a stream that was read). */
  replayable: boolean;
}

/** What to do about such a response. */
export interface RejectedTokenDecision {
  /** Drop the token the request carried (compare-and-invalidate). */
  invalidate: boolean;
  /** Send the request once more, with whatever token the manager then gives. */
  retry: boolean;
}

/**
 * The 401 rule (RFC 6750 §3.1): a 401 that rejects the token itself (no challenge, a Bearer one
 * without an error, or `invalid_token`) drops that token and is retried once, when its body can be
 * replayed. Not for `insufficient_scope`, `invalid_request`, or a challenge naming only other
 * schemes: a new token would be refused the same way. After the retry the token is kept:
 * refetching it again would double the token requests of an API that rejects every token, and the
 * next request's own retry still heals a revocation.
 */
export function decideOnRejectedToken(answer: RejectedTokenAnswer): RejectedTokenDecision {
  const rejected = answer.status === 401 && isTokenRejection(answer.wwwAuthenticate);
  const first = rejected && !answer.retried;
  return { invalidate: first, retry: first && answer.replayable };
}
