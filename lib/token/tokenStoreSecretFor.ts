import { createPrivateKey, KeyObject } from 'node:crypto';
import type { TokenStoreSecret } from '../store/TokenStore';
import type { ClientAuthentication } from './clientAuthentication/ClientAuthenticator';
import type { ClientAuthenticationOptions } from './clientAuthentication/createClientAuthenticator';

/**
 * The stable secret a client holds, used by default to seal what it puts in a shared token store:
 * the client secret for the secret-based methods, the private key (its PKCS#8 DER) for
 * `private_key_jwt` with a fixed key. `undefined` where there is none (a key function, an external
 * assertion that rotates): such a client needs an explicit `tokenStoreSecret` to share tokens.
 */
export function tokenStoreSecretFor(
  method: ClientAuthentication,
  options: Pick<ClientAuthenticationOptions, 'clientSecret' | 'privateKey'>,
): TokenStoreSecret | undefined {
  switch (method) {
    case 'client_secret_basic':
    case 'client_secret_post':
    case 'client_secret_jwt':
      return options.clientSecret;
    case 'private_key_jwt': {
      const key = options.privateKey;
      if (key === undefined || typeof key === 'function') return undefined;
      // Already checked by the authenticator: this parse cannot fail on a key it accepted.
      const object =
        key instanceof KeyObject
          ? key
          : typeof key === 'string'
            ? createPrivateKey(key)
            : createPrivateKey({ key, format: 'jwk' });
      return new Uint8Array(object.export({ format: 'der', type: 'pkcs8' }));
    }
    case 'client_assertion':
      return undefined;
  }
}
