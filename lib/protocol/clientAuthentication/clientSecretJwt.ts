import { createSecretKey } from 'node:crypto';
import { assertionClaims, assertionSettings } from './assertionClaims';
import type { ClientAuthenticationContext } from './clientAuthenticationMethods';
import { JWT_BEARER_ASSERTION_TYPE, type ClientAuthenticator } from './ClientAuthenticator';
import { secretEncodings } from './clientSecretBasic';
import { invalidClientAssertionHint } from './invalidClientAssertionHint';
import { credentialDigest } from './credentialDigest';
import { clientSecretFromOptions, currentCredentialOf, type SecretSource } from './secretSource';
import { signJwt, type HmacSigningAlgorithm } from './signJwt';

export interface ClientSecretJwtOptions {
  clientId: string;
  secret: SecretSource;
  algorithm: HmacSigningAlgorithm;
  audience: string;
  lifetimeSeconds: number;
}

/**
 * `client_secret_jwt` (RFC 7523 §2.2): a JWT signed with HMAC over the client secret's UTF-8
 * bytes, so the secret itself never travels.
 */
export function clientSecretJwt(options: ClientSecretJwtOptions): ClientAuthenticator {
  const { clientId, secret, algorithm, audience, lifetimeSeconds } = options;
  return {
    method: 'client_secret_jwt',
    async prepare({ now }) {
      const value = await secret();
      // Stryker disable next-line StringLiteral: Buffer.from reads a string as UTF-8 when the encoding is empty
      const key = createSecretKey(Buffer.from(value, 'utf8'));
      const assertion = signJwt({ alg: algorithm }, assertionClaims(clientId, audience, now, lifetimeSeconds), key);
      return {
        headers: {},
        form: { client_id: clientId, client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion },
        secrets: [
          ...secretEncodings(value),
          // Stryker disable next-line StringLiteral: Buffer.from reads a string as UTF-8 when the encoding is empty
          Buffer.from(value, 'utf8').toString('base64url'),
          assertion,
          assertion.slice(assertion.lastIndexOf('.') + 1),
        ],
        credential: credentialDigest(value),
        invalidClientHint: clock => invalidClientAssertionHint('client_secret_jwt', audience, clock),
      };
    },
    ...currentCredentialOf(secret),
  };
}

/** `client_secret_jwt` from the options: HS256 unless `signingAlgorithm` names another (checked by the rulebook). */
export function clientSecretJwtFromOptions(context: ClientAuthenticationContext): ClientAuthenticator {
  return clientSecretJwt({
    clientId: context.clientId,
    secret: clientSecretFromOptions(context),
    algorithm: (context.options.signingAlgorithm as HmacSigningAlgorithm | undefined) ?? 'HS256',
    ...assertionSettings(context.tokenEndpoint, context.options),
  });
}
