import type { ClientAuthenticator } from './ClientAuthenticator';
import { secretEncodings } from './clientSecretBasic';
import type { ClientAuthenticationContext } from './clientAuthenticationMethods';
import { credentialDigest } from './credentialDigest';
import { clientSecretFromOptions, currentCredentialOf, type SecretSource } from './secretSource';

/** `client_secret_post`: id and secret in the form body. */
export function clientSecretPost(clientId: string, secret: SecretSource): ClientAuthenticator {
  return {
    method: 'client_secret_post',
    async prepare() {
      const value = await secret();
      return {
        headers: {},
        form: { client_id: clientId, client_secret: value },
        secrets: secretEncodings(value),
        credential: credentialDigest(value),
      };
    },
    ...currentCredentialOf(secret),
  };
}

/** `client_secret_post` from the options. */
export function clientSecretPostFromOptions(context: ClientAuthenticationContext): ClientAuthenticator {
  return clientSecretPost(context.clientId, clientSecretFromOptions(context));
}
