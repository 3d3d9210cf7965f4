import type { ClientAuthenticator } from './ClientAuthenticator';
import type { ClientAuthenticationContext } from './clientAuthenticationMethods';
import { credentialDigest } from './credentialDigest';
import { clientSecretFromOptions, currentCredentialOf, type SecretSource } from './secretSource';

/**
 * `application/x-www-form-urlencoded` encoding of one value, as RFC 6749 §2.3.1 requires
 * for the client id and secret before they are joined with ":" and base64-encoded.
 * Unlike `encodeURIComponent`, a space becomes "+" and `!'()*` are escaped.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The `Authorization` header value for `client_secret_basic`. */
export function basicAuthorizationHeader(clientId: string, clientSecret: string): string {
  const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** Every encoding under which a server or proxy might echo a secret back. */
export function secretEncodings(secret: string): string[] {
  return [secret, formUrlEncode(secret), encodeURIComponent(secret), Buffer.from(secret, 'utf8').toString('base64')];
}

/** `client_secret_basic`: id and secret in a Basic header. */
export function clientSecretBasic(clientId: string, secret: SecretSource): ClientAuthenticator {
  return {
    method: 'client_secret_basic',
    async prepare() {
      const value = await secret();
      const authorization = basicAuthorizationHeader(clientId, value);
      return {
        headers: { Authorization: authorization },
        form: {},
        secrets: [...secretEncodings(value), authorization, authorization.slice('Basic '.length)],
        credential: credentialDigest(value),
      };
    },
    ...currentCredentialOf(secret),
  };
}

/** `client_secret_basic` from the options. */
export function clientSecretBasicFromOptions(context: ClientAuthenticationContext): ClientAuthenticator {
  return clientSecretBasic(context.clientId, clientSecretFromOptions(context));
}
