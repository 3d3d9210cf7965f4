import type { ClientAuthenticator } from './ClientAuthenticator';
import { secretEncodings } from './clientSecretBasic';
import type { SecretSource } from './secretSource';

/** `client_secret_post`: id and secret in the form body. */
export function clientSecretPost(clientId: string, secret: SecretSource): ClientAuthenticator {
  return {
    method: 'client_secret_post',
    async prepare() {
      const value = await secret();
      return { headers: {}, form: { client_id: clientId, client_secret: value }, secrets: secretEncodings(value) };
    },
  };
}
