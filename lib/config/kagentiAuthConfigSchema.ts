import { z } from 'zod';
import type { JsonWebKey } from 'node:crypto';
import type { ClientAuthentication } from '../protocol/clientAuthentication/ClientAuthenticator';
import {
  CLIENT_AUTHENTICATIONS,
  checkClientAuthentication,
  methodRule,
} from '../protocol/clientAuthentication/clientAuthenticationMethods';
import { importPrivateKey } from '../protocol/clientAuthentication/importPrivateKey';
import { SIGNING_ALGORITHMS } from '../protocol/clientAuthentication/signJwt';
import { tokenEndpointProblem } from '../protocol/tokenEndpointProblem';

/** Applied by `readKeycloakAuthConfig`, not by the schema, so that "unset" stays visible. */
export const DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS = 60;

/** The three keys that must be set together to turn auth on. */
export const CORE_AUTH_KEYS = ['tokenEndpoint', 'clientId', 'clientSecret'] as const;

const nonEmptyString = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .refine(value => value.trim().length > 0, { message: `${what} must not be empty` });

const tokenEndpoint = nonEmptyString('tokenEndpoint').superRefine((value, ctx) => {
  const problem = tokenEndpointProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// Backstage substitutes environment variables as strings, so "60" must count as 60.
const tokenExpiryBufferSeconds = z
  .union(
    [
      z.number(),
      z
        .string()
        .regex(/^\s*\d+\s*$/)
        .transform(Number),
    ],
    {
      error: 'tokenExpiryBufferSeconds must be a whole number of seconds',
    },
  )
  .refine(value => Number.isSafeInteger(value) && value >= 0, {
    message: 'tokenExpiryBufferSeconds must be a whole number of seconds, 0 or more',
  });

/** Config keys that each hold one client credential; exactly one may be set. */
export const CREDENTIAL_KEYS = ['clientSecret', 'clientSecretFile', 'privateKey', 'clientAssertionFile'] as const;

/** Config keys whose values are secrets: marked `@visibility secret` in config.d.ts, never quoted. */
export const SECRET_CONFIG_KEYS = ['clientSecret', 'privateKey'] as const;

/**
 * PEM text, or a JWK as JSON text. A PEM whose line breaks arrived as literal `\n` (a common
 * result of putting a key in an environment variable) gets real ones back.
 */
const privateKey = nonEmptyString('privateKey').transform((value, ctx): string | JsonWebKey => {
  const text = value.trim();
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as JsonWebKey;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'privateKey looks like a JWK but is not valid JSON' });
      return z.NEVER;
    }
  }
  return text.includes('\\n') && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
});

const inList = <T extends string>(what: string, values: readonly T[]) =>
  z.enum(values as unknown as [T, ...T[]], { error: `${what} must be one of ${values.join(', ')}` });

/**
 * Shape of `boost.kagenti.auth`. Every key is optional and none has a default; the
 * three core keys must be set together or not at all. With `clientSecretFile`, `privateKey` or
 * `clientAssertionFile`, the rule is tokenEndpoint + clientId + exactly one credential.
 */
export const kagentiAuthConfigSchema = z
  .object(
    {
      tokenEndpoint: tokenEndpoint.optional(),
      clientId: nonEmptyString('clientId').optional(),
      clientSecret: nonEmptyString('clientSecret').optional(),
      clientSecretFile: nonEmptyString('clientSecretFile').optional(),
      tokenExpiryBufferSeconds: tokenExpiryBufferSeconds.optional(),
      clientAuthentication: inList('clientAuthentication', CLIENT_AUTHENTICATIONS).optional(),
      privateKey: privateKey.optional(),
      privateKeyId: nonEmptyString('privateKeyId').optional(),
      signingAlgorithm: inList('signingAlgorithm', SIGNING_ALGORITHMS).optional(),
      clientAssertionFile: nonEmptyString('clientAssertionFile').optional(),
      assertionAudience: nonEmptyString('assertionAudience').optional(),
    },
    { error: 'boost.kagenti.auth must be an object' },
  )
  .superRefine((value, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (usesClientSecret(value)) {
      // The three core keys turn auth on together; none of them turns it off.
      const present = CORE_AUTH_KEYS.filter(key => value[key] !== undefined);
      if (present.length === 0) return;
      const missing = CORE_AUTH_KEYS.filter(key => value[key] === undefined);
      for (const key of missing) {
        issue(
          key,
          `${key} is missing (set ${present.join(' and ')} but not ${missing.join(' and ')}; set all of tokenEndpoint, clientId and clientSecret, or none to disable auth)`,
        );
      }
      if (missing.length > 0) return;
    } else {
      for (const key of ['tokenEndpoint', 'clientId'] as const) {
        if (value[key] === undefined) {
          issue(key, `${key} is missing (it is needed with clientSecretFile, privateKey or clientAssertionFile)`);
        }
      }
    }
    const { problems } = checkClientAuthentication(value, CREDENTIAL_KEYS);
    for (const problem of problems) issue(problem.key, problem.message);
    if (problems.length === 0 && value.privateKey !== undefined) privateKeyRule(value.privateKey, value.signingAlgorithm, issue);
  });

/** Whether the settings authenticate with the client secret: no other credential, no method that needs one. */
function usesClientSecret(value: {
  clientSecretFile?: unknown;
  privateKey?: unknown;
  clientAssertionFile?: unknown;
  clientAuthentication?: ClientAuthentication;
}): boolean {
  if ([value.clientSecretFile, value.privateKey, value.clientAssertionFile].some(credential => credential !== undefined)) {
    return false;
  }
  const method = value.clientAuthentication;
  return method === undefined || (methodRule(method).credentials as readonly string[]).includes('clientSecret');
}

/** A key that parses and fits signingAlgorithm, checked now rather than at the first request. */
function privateKeyRule(
  key: string | JsonWebKey,
  algorithm: string | undefined,
  issue: (path: string, message: string) => void,
): void {
  try {
    importPrivateKey(key, algorithm);
  } catch (error) {
    // importPrivateKey's messages name what is wrong and never quote the key.
    const message = (error as Error).message;
    issue(algorithm !== undefined && /cannot sign/.test(message) ? 'signingAlgorithm' : 'privateKey', message);
  }
}

/** Every key of `boost.kagenti.auth`, read from the schema. */
export const CONFIG_KEYS = Object.keys(kagentiAuthConfigSchema.shape) as ReadonlyArray<
  keyof typeof kagentiAuthConfigSchema.shape
>;

/** The keys that hold numbers (the rest hold text). */
export const NUMBER_CONFIG_KEYS = ['tokenExpiryBufferSeconds'] as const;

/** What the schema accepts. */
export type KagentiAuthConfigInput = z.input<typeof kagentiAuthConfigSchema>;
/** What the schema produces: every key still optional. */
export type KagentiAuthConfigOutput = z.output<typeof kagentiAuthConfigSchema>;
