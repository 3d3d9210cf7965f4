import { assertionClaims, assertionSettings } from './assertionClaims';
import type { ClientAuthenticationContext } from './clientAuthenticationMethods';
import { JWT_BEARER_ASSERTION_TYPE, type ClientAuthenticator } from './ClientAuthenticator';
import { importPrivateKey, type ImportedPrivateKey, type PrivateKeyInput } from './importPrivateKey';
import { credentialDigest } from './credentialDigest';
import { invalidClientAssertionHint } from './invalidClientAssertionHint';
import { unavailable } from './secretSource';
import { signJwt, type AsymmetricSigningAlgorithm } from './signJwt';

/** A private key, or a function returning one that is called per token request (rotation). */
export type PrivateKeySource = PrivateKeyInput | (() => PrivateKeyInput | Promise<PrivateKeyInput>);

export interface PrivateKeyJwtOptions {
  tokenEndpoint: string;
  clientId: string;
  privateKey: PrivateKeySource;
  keyId?: string;
  algorithm?: AsymmetricSigningAlgorithm;
  audience: string;
  lifetimeSeconds: number;
}

/**
 * `private_key_jwt` (RFC 7523 §2.2): a JWT signed with the client's private key. A static key is
 * parsed and checked here, once; a key function's answer is checked on each attempt.
 */
export function privateKeyJwt(options: PrivateKeyJwtOptions): ClientAuthenticator {
  const { tokenEndpoint, clientId, privateKey, audience, lifetimeSeconds } = options;
  const fixed = typeof privateKey === 'function' ? undefined : importPrivateKey(privateKey, options.algorithm);

  const keyFor = async (): Promise<ImportedPrivateKey> => {
    if (fixed) return fixed;
    let input: unknown;
    try {
      input = await (privateKey as () => PrivateKeyInput | Promise<PrivateKeyInput>)();
    } catch (cause) {
      throw unavailable(
        tokenEndpoint,
        'CLIENT_ASSERTION_UNAVAILABLE',
        'the privateKey function failed. Check the key source.',
        cause,
      );
    }
    try {
      return importPrivateKey(input, options.algorithm);
    } catch (error) {
      throw unavailable(
        tokenEndpoint,
        'CLIENT_ASSERTION_UNAVAILABLE',
        `the privateKey function returned an unusable key: ${(error as Error).message}`,
      );
    }
  };

  return {
    method: 'private_key_jwt',
    async prepare({ now }) {
      const { key, algorithm, keyId } = await keyFor();
      const kid = options.keyId ?? keyId;
      const assertion = signJwt(
        // Stryker disable next-line ConditionalExpression: a kid of undefined is left out of the header's JSON anyway
        { alg: algorithm, ...(kid !== undefined ? { kid } : {}) },
        assertionClaims(clientId, audience, now, lifetimeSeconds),
        key,
      );
      return {
        headers: {},
        form: { client_id: clientId, client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion },
        secrets: [assertion, assertion.slice(assertion.lastIndexOf('.') + 1)],
        // A fixed key cannot change: no digest to compare.
        ...(fixed ? {} : { credential: credentialDigest(key) }),
        invalidClientHint: clock => invalidClientAssertionHint('private_key_jwt', audience, clock),
      };
    },
    ...(fixed ? {} : { currentCredential: async () => credentialDigest((await keyFor()).key) }),
  };
}

/** `private_key_jwt` from the options (`signingAlgorithm` is checked by the rulebook, the key here). */
export function privateKeyJwtFromOptions({ tokenEndpoint, clientId, options }: ClientAuthenticationContext): ClientAuthenticator {
  const { privateKeyId, signingAlgorithm } = options;
  if (privateKeyId !== undefined && (typeof privateKeyId !== 'string' || privateKeyId.length === 0)) {
    throw new TypeError('privateKeyId must be a non-empty string');
  }
  return privateKeyJwt({
    tokenEndpoint,
    clientId,
    privateKey: options.privateKey as PrivateKeySource,
    // Stryker disable next-line ConditionalExpression: a keyId of undefined falls back to the JWK's kid, as a missing one does
    ...(privateKeyId !== undefined ? { keyId: privateKeyId } : {}),
    // Stryker disable next-line ConditionalExpression: an algorithm of undefined is the key's natural one, as a missing one is
    ...(signingAlgorithm !== undefined ? { algorithm: signingAlgorithm as AsymmetricSigningAlgorithm } : {}),
    ...assertionSettings(tokenEndpoint, options),
  });
}
