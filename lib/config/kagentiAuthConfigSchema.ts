import { z } from 'zod';
import type { JsonWebKey } from 'node:crypto';
import { importPrivateKey } from '../token/clientAuthentication/importPrivateKey';
import { HMAC_SIGNING_ALGORITHMS, SIGNING_ALGORITHMS } from '../token/clientAuthentication/signJwt';
import { tokenEndpointProblem } from './tokenEndpointProblem';

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
export const CREDENTIAL_KEYS = ['clientSecret', 'privateKey', 'clientAssertionFile'] as const;
type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

const CLIENT_AUTHENTICATIONS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'client_assertion',
] as const;
const CREDENTIAL_OF: Record<(typeof CLIENT_AUTHENTICATIONS)[number], CredentialKey> = {
  client_secret_basic: 'clientSecret',
  client_secret_post: 'clientSecret',
  client_secret_jwt: 'clientSecret',
  private_key_jwt: 'privateKey',
  client_assertion: 'clientAssertionFile',
};

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
 * three core keys must be set together or not at all. With `privateKey` or
 * `clientAssertionFile`, the rule is tokenEndpoint + clientId + exactly one credential.
 */
export const kagentiAuthConfigSchema = z
  .object(
    {
      tokenEndpoint: tokenEndpoint.optional(),
      clientId: nonEmptyString('clientId').optional(),
      clientSecret: nonEmptyString('clientSecret').optional(),
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
    const method = value.clientAuthentication;
    if (
      value.privateKey !== undefined ||
      value.clientAssertionFile !== undefined ||
      (method && CREDENTIAL_OF[method] !== 'clientSecret')
    ) {
      credentialRules(value, ctx);
      return;
    }
    const present = CORE_AUTH_KEYS.filter(key => value[key] !== undefined);
    if (present.length === 0) return;
    if (present.length === CORE_AUTH_KEYS.length) {
      secretRules(value, ctx);
      return;
    }
    const missing = CORE_AUTH_KEYS.filter(key => value[key] === undefined);
    for (const key of missing) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is missing (set ${present.join(' and ')} but not ${missing.join(' and ')}; set all of tokenEndpoint, clientId and clientSecret, or none to disable auth)`,
      });
    }
  });

type Parsed = {
  tokenEndpoint?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuthentication?: (typeof CLIENT_AUTHENTICATIONS)[number];
  privateKey?: string | JsonWebKey;
  privateKeyId?: string;
  signingAlgorithm?: (typeof SIGNING_ALGORITHMS)[number];
  clientAssertionFile?: string;
  assertionAudience?: string;
};

/**
 * With a key or an assertion file: tokenEndpoint + clientId + exactly one credential, fitting
 * clientAuthentication, and a key that parses and fits signingAlgorithm (checked now, not at the
 * first request). No message quotes a value.
 */
function credentialRules(value: Parsed, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  for (const key of ['tokenEndpoint', 'clientId'] as const) {
    if (value[key] === undefined) issue(key, `${key} is missing (it is needed with privateKey or clientAssertionFile)`);
  }
  const credentials = CREDENTIAL_KEYS.filter(key => value[key] !== undefined);
  if (credentials.length > 1) {
    for (const key of credentials)
      issue(key, `set exactly one of ${CREDENTIAL_KEYS.join(', ')}, not ${credentials.join(' and ')}`);
    return;
  }
  const method = value.clientAuthentication;
  const credential = credentials[0];
  if (credential === undefined) {
    // No credential at all: only reached through a clientAuthentication that needs a key or a
    // file (the caller's condition), so the method is set.
    const needed = CREDENTIAL_OF[method as (typeof CLIENT_AUTHENTICATIONS)[number]];
    issue(needed, `${needed} is missing (clientAuthentication ${method} needs it)`);
    return;
  }
  if (method !== undefined && CREDENTIAL_OF[method] !== credential) {
    issue('clientAuthentication', `${method} needs ${CREDENTIAL_OF[method]}, but ${credential} is set`);
    return;
  }
  if (credential === 'clientAssertionFile') {
    for (const key of ['privateKeyId', 'signingAlgorithm', 'assertionAudience'] as const) {
      if (value[key] !== undefined) issue(key, `${key} does not apply to clientAssertionFile (the assertion is sent as is)`);
    }
    return;
  }
  const algorithm = value.signingAlgorithm;
  if (algorithm !== undefined && (HMAC_SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
    issue('signingAlgorithm', `${algorithm} is for client_secret_jwt; a privateKey signs with an asymmetric algorithm`);
    return;
  }
  try {
    importPrivateKey(value.privateKey, algorithm);
  } catch (error) {
    // importPrivateKey's messages name what is wrong and never quote the key.
    issue(
      algorithm !== undefined && /cannot sign/.test((error as Error).message) ? 'signingAlgorithm' : 'privateKey',
      (error as Error).message,
    );
  }
}

/** With a client secret: the options that only fit the other methods are refused. */
function secretRules(value: Parsed, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const method = value.clientAuthentication ?? 'client_secret_basic';
  if (value.privateKeyId !== undefined) issue('privateKeyId', 'privateKeyId applies to privateKey only');
  if (method === 'client_secret_jwt') {
    const algorithm = value.signingAlgorithm;
    if (algorithm !== undefined && !(HMAC_SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
      issue('signingAlgorithm', `client_secret_jwt signs with ${HMAC_SIGNING_ALGORITHMS.join(', ')}, not ${algorithm}`);
    }
    return;
  }
  for (const key of ['signingAlgorithm', 'assertionAudience'] as const) {
    if (value[key] !== undefined) issue(key, `${key} applies to client_secret_jwt and privateKey only, not ${method}`);
  }
}

/** What the schema accepts. */
export type KagentiAuthConfigInput = z.input<typeof kagentiAuthConfigSchema>;
/** What the schema produces: every key still optional. */
export type KagentiAuthConfigOutput = z.output<typeof kagentiAuthConfigSchema>;
