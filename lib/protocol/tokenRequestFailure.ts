import { TokenRequestError, type TokenRequestErrorCode, type TokenRequestErrorDetails } from '../errors/TokenRequestError';
import { describeEndpoint } from '../util/describeEndpoint';

/** Builds the error of one failed token request: "Token request to <endpoint> failed: <message>". */
export type TokenRequestFailure = (
  code: TokenRequestErrorCode,
  message: string,
  extra?: Omit<Partial<TokenRequestErrorDetails>, 'code' | 'tokenEndpoint'>,
) => TokenRequestError;

/** The {@link TokenRequestFailure} of requests to `tokenEndpoint` (shown without userinfo, query or fragment). */
export function tokenRequestFailure(tokenEndpoint: string): TokenRequestFailure {
  const endpoint = describeEndpoint(tokenEndpoint);
  return (code, message, extra = {}) =>
    new TokenRequestError(`Token request to ${endpoint} failed: ${message}`, { ...extra, code, tokenEndpoint: endpoint });
}
