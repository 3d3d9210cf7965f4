/**
 * `application/x-www-form-urlencoded` encoding of one value, as RFC 6749 §2.3.1 requires
 * for the client id and secret before they are joined with ":" and base64-encoded.
 * Unlike `encodeURIComponent`, a space becomes "+" and `!'()*` are escaped.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The `Authorization` header value for `client_secret_basic`. */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}
