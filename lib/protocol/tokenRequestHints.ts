/** What an operator should check for each RFC 6749 §5.2 error Keycloak answers with. */
export const OAUTH_ERROR_HINTS: Readonly<Record<string, string>> = {
  invalid_client:
    'Check the client id and secret (boost.kagenti.auth.clientId and clientSecret) and that the client has client authentication turned on.',
  unauthorized_client: 'Check that service accounts ("Service accounts roles") are enabled for the client in Keycloak.',
  unsupported_grant_type: 'Check that the client credentials grant (service accounts) is enabled for the client in Keycloak.',
  invalid_scope: 'Check the requested scope: it must be a client scope assigned to the client.',
  invalid_request: 'Check tokenEndpoint and the client settings in Keycloak.',
  invalid_grant: 'Check that the client is enabled in Keycloak.',
};

/** What an operator should check for an HTTP status without an OAuth error body. */
export function httpStatusHint(status: number): string {
  if (status === 404 || status === 405) {
    return 'Check tokenEndpoint: the realm name and the /realms/<realm>/protocol/openid-connect/token path.';
  }
  if (status === 401 || status === 403) return 'Check the client id and secret and the client settings in Keycloak.';
  if (status === 429) return 'Keycloak is rate limiting this client; requests are retried later.';
  if (status >= 500) return 'Keycloak or a proxy in front of it failed; this may pass on its own.';
  return 'Check tokenEndpoint and the client settings in Keycloak.';
}

/** The hint for an OAuth error: the method's own for `invalid_client`, else the table's, else the status'. */
export function oauthErrorHint(error: string, status: number, invalidClientHint: (() => string) | undefined): string {
  if (error === 'invalid_client' && invalidClientHint) return invalidClientHint();
  // Own keys only: a server's error named "toString" or "__proto__" must not find Object.prototype's.
  return Object.prototype.hasOwnProperty.call(OAUTH_ERROR_HINTS, error) ? OAUTH_ERROR_HINTS[error] : httpStatusHint(status);
}
