import { TokenRequestError, type TokenRequestErrorCode } from '../../errors/TokenRequestError';
import { describeEndpoint } from '../../util/describeEndpoint';
import type { ClientAuthenticator } from './ClientAuthenticator';
import type { ClientAuthenticationContext } from './clientAuthenticationMethods';
import { credentialDigest } from './credentialDigest';
import { credentialFileSource } from './credentialFile';

/** Gives the credential for one attempt, or rejects with a `TokenRequestError` that says why not. */
export interface SecretSource {
  (): Promise<string>;
  /** Set when the source gives the same credential every time (a string given as is). */
  readonly fixed?: true;
}

/** A source that gives `value` every time. */
export function fixedSource(value: string): SecretSource {
  return Object.assign(() => Promise.resolve(value), { fixed: true as const });
}

/**
 * An authenticator's `currentCredential` for `source`: a digest of the credential it gives now,
 * to tell whether it changed since an attempt failed; none for a source that cannot change.
 */
export function currentCredentialOf(source: SecretSource): Pick<ClientAuthenticator, 'currentCredential'> {
  return source.fixed ? {} : { currentCredential: async () => credentialDigest(await source()) };
}

/** A token request that was not sent because a credential could not be had. */
export function unavailable(
  tokenEndpoint: string,
  code: Extract<TokenRequestErrorCode, 'CLIENT_SECRET_UNAVAILABLE' | 'CLIENT_ASSERTION_UNAVAILABLE'>,
  problem: string,
  cause?: unknown,
): TokenRequestError {
  const endpoint = describeEndpoint(tokenEndpoint);
  return new TokenRequestError(`Token request to ${endpoint} not sent: ${problem}`, {
    code,
    tokenEndpoint: endpoint,
    // Stryker disable next-line ConditionalExpression: KagentiAuthError drops a cause of undefined, as if none were given
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * The client secret as a source: a string as is; a function is called per attempt (rotation) and
 * its failure or empty answer becomes `CLIENT_SECRET_UNAVAILABLE`.
 */
export function clientSecretSource(tokenEndpoint: string, clientSecret: string | (() => string | Promise<string>)): SecretSource {
  if (typeof clientSecret === 'string') return fixedSource(clientSecret);
  return async () => {
    let secret: unknown;
    try {
      secret = await clientSecret();
    } catch (cause) {
      throw unavailable(
        tokenEndpoint,
        'CLIENT_SECRET_UNAVAILABLE',
        'the clientSecret function failed. Check the secret source.',
        cause,
      );
    }
    if (typeof secret !== 'string' || secret.length === 0) {
      throw unavailable(
        tokenEndpoint,
        'CLIENT_SECRET_UNAVAILABLE',
        `the clientSecret function returned ${typeof secret === 'string' ? 'an empty string' : `a ${typeof secret}`}, not a secret. Check the secret source.`,
      );
    }
    return secret;
  };
}

/** The `clientSecret` or `clientSecretFile` option as a source, for the methods that use one. */
export function clientSecretFromOptions({ tokenEndpoint, options }: ClientAuthenticationContext): SecretSource {
  const { clientSecret, clientSecretFile } = options;
  if (clientSecretFile !== undefined) {
    if (typeof clientSecretFile !== 'string' || !clientSecretFile)
      throw new TypeError('clientSecretFile must be a non-empty path');
    return credentialFileSource(tokenEndpoint, {
      option: 'clientSecretFile',
      path: clientSecretFile,
      code: 'CLIENT_SECRET_UNAVAILABLE',
      mounted: 'the Secret',
      volume: 'the Secret volume',
    });
  }
  if (!((typeof clientSecret === 'string' && clientSecret.length > 0) || typeof clientSecret === 'function')) {
    throw new TypeError('clientSecret must be a non-empty string or a function returning one');
  }
  return clientSecretSource(tokenEndpoint, clientSecret);
}
