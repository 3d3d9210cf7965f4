import { createPrivateKey, KeyObject } from 'node:crypto';
import type { ClientAuthentication } from '../protocol/clientAuthentication/ClientAuthenticator';
import type { ClientAuthenticationOptions } from '../protocol/clientAuthentication/ClientAuthenticationOptions';
import { methodRule } from '../protocol/clientAuthentication/clientAuthenticationMethods';
import { clientSecretFromOptions } from '../protocol/clientAuthentication/secretSource';
import type { TokenStoreSecret } from '../store/TokenStore';

/**
 * The stable secret a client holds, used by default to seal what it puts in a shared token store:
 * the client secret (or a function reading `clientSecretFile`) for the methods whose credential it is, the private key (its PKCS#8 DER) for
 * a method with a fixed key. `undefined` where there is none (a key function, an external
 * assertion that rotates): such a client needs an explicit `tokenStoreSecret` to share tokens.
 */
export function tokenStoreSecretFor(
  method: ClientAuthentication,
  options: Pick<ClientAuthenticationOptions, 'clientSecret' | 'clientSecretFile' | 'privateKey'>,
  tokenEndpoint: string,
): TokenStoreSecret | undefined {
  const credentials: readonly string[] = methodRule(method).credentials;
  if (credentials.includes('clientSecret')) {
    // The file's current secret, read per store operation: entries sealed under a rotated one are a miss.
    return options.clientSecretFile === undefined
      ? options.clientSecret
      : clientSecretFromOptions({ tokenEndpoint, clientId: '', options: { clientSecretFile: options.clientSecretFile } });
  }
  const key = credentials.includes('privateKey') ? options.privateKey : undefined;
  if (key === undefined || typeof key === 'function') return undefined;
  // Already checked by the authenticator: this parse cannot fail on a key it accepted.
  const object =
    key instanceof KeyObject ? key : typeof key === 'string' ? createPrivateKey(key) : createPrivateKey({ key, format: 'jwk' });
  return new Uint8Array(object.export({ format: 'der', type: 'pkcs8' }));
}
