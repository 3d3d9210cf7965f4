import { TokenRequestError } from '../errors/TokenRequestError';

/** The semantic conventions' `error.type` for an error that has no code of ours. */
const OTHER_ERROR_TYPE = '_OTHER';

/** The `error.type` of a failure: the `TokenRequestError` code, or `_OTHER`. Never a message. */
export function errorTypeOf(error: unknown): string {
  return error instanceof TokenRequestError ? error.code : OTHER_ERROR_TYPE;
}

/**
 * The `error.type` of a failed token request attempt, or `undefined` when no request was sent
 * (`TokenRequestError.sent`: no credential could be had): that is not counted as a token request.
 */
export function sentRequestErrorType(error: unknown): string | undefined {
  return error instanceof TokenRequestError && !error.sent ? undefined : errorTypeOf(error);
}
