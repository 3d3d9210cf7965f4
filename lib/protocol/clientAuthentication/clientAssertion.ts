import { JWT_BEARER_ASSERTION_TYPE, type ClientAuthenticator } from './ClientAuthenticator';
import type { ClientAuthenticationContext } from './clientAuthenticationMethods';
import { credentialFileSource } from './credentialFile';
import { invalidClientAssertionHint } from './invalidClientAssertionHint';
import { currentCredentialOf, unavailable, type SecretSource } from './secretSource';
import { credentialDigest } from './credentialDigest';

/** Where an external assertion comes from: a function, or a file read per request. */
export type ClientAssertionSource = { clientAssertion: () => string | Promise<string> } | { clientAssertionFile: string };

/**
 * A source for `client_assertion` that asks again on every attempt, so a rotated projected
 * token is picked up; failures are `CLIENT_ASSERTION_UNAVAILABLE`. Surrounding whitespace
 * (a trailing newline in a mounted file) is dropped.
 */
export function clientAssertionSource(tokenEndpoint: string, source: ClientAssertionSource): SecretSource {
  const fail = (problem: string, cause?: unknown) => unavailable(tokenEndpoint, 'CLIENT_ASSERTION_UNAVAILABLE', problem, cause);
  if ('clientAssertionFile' in source) {
    return credentialFileSource(tokenEndpoint, {
      option: 'clientAssertionFile',
      path: source.clientAssertionFile,
      code: 'CLIENT_ASSERTION_UNAVAILABLE',
      mounted: 'the projected token',
      volume: 'the projected token volume',
    });
  }
  const get = source.clientAssertion;
  return async () => {
    let value: unknown;
    try {
      value = await get();
    } catch (cause) {
      throw fail('the clientAssertion function failed. Check the assertion source.', cause);
    }
    const assertion = typeof value === 'string' ? value.trim() : '';
    if (!assertion) {
      throw fail(
        `the clientAssertion function returned ${typeof value === 'string' ? 'an empty string' : `a ${typeof value}`}, not an assertion. Check the assertion source.`,
      );
    }
    return assertion;
  };
}

/**
 * `client_assertion`: a JWT the workload already has (a Kubernetes projected service-account
 * token, a SPIFFE JWT-SVID), sent as is. No `client_id`: the assertion's own `sub` names the
 * workload, and Keycloak refuses a `client_id` that differs from it.
 */
export function clientAssertion(assertion: SecretSource): ClientAuthenticator {
  return {
    method: 'client_assertion',
    async prepare() {
      const value = await assertion();
      return {
        headers: {},
        form: { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: value },
        secrets: [value, value.slice(value.lastIndexOf('.') + 1)],
        credential: credentialDigest(value),
        invalidClientHint: clock => invalidClientAssertionHint('client_assertion', undefined, clock),
      };
    },
    ...currentCredentialOf(assertion),
  };
}

/** `client_assertion` from the options: `clientAssertion` (a function) or `clientAssertionFile` (a path). */
export function clientAssertionFromOptions({ tokenEndpoint, options }: ClientAuthenticationContext): ClientAuthenticator {
  const { clientAssertion: get, clientAssertionFile: file } = options;
  if (get !== undefined && typeof get !== 'function') {
    throw new TypeError('clientAssertion must be a function returning the assertion (a JWT string)');
  }
  if (file !== undefined && (typeof file !== 'string' || !file))
    throw new TypeError('clientAssertionFile must be a non-empty path');
  return clientAssertion(clientAssertionSource(tokenEndpoint, get ? { clientAssertion: get } : { clientAssertionFile: file! }));
}
