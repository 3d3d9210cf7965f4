import { isRecord } from '../util/isRecord';
import type { Redactor } from '../util/Redactor';
import { serverText } from '../util/serverText';

/** An RFC 6749 §5.2 error answer, its texts made safe for a message. */
export interface OAuthError {
  error: string;
  description?: string;
}

/** The OAuth error in a parsed JSON body, or `undefined` when it holds none (no non-empty string `error`). */
export function parseOAuthError(body: unknown, redactor: Redactor): OAuthError | undefined {
  // Stryker disable next-line ConditionalExpression,StringLiteral: an empty error is also refused below, once serverText gives ''
  if (!isRecord(body) || typeof body.error !== 'string' || body.error === '') return undefined;
  const error = serverText(body.error, redactor, 100);
  // Nothing but white space or control characters names no error.
  if (error === '') return undefined;
  const description = typeof body.error_description === 'string' ? serverText(body.error_description, redactor, 500) : undefined;
  return description ? { error, description } : { error };
}
