import { z } from 'zod';
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

/**
 * Shape of `boost.kagenti.auth`. Every key is optional and none has a default; the
 * three core keys must be set together or not at all.
 */
export const kagentiAuthConfigSchema = z
  .object(
    {
      tokenEndpoint: tokenEndpoint.optional(),
      clientId: nonEmptyString('clientId').optional(),
      clientSecret: nonEmptyString('clientSecret').optional(),
      tokenExpiryBufferSeconds: tokenExpiryBufferSeconds.optional(),
    },
    { error: 'boost.kagenti.auth must be an object' },
  )
  .superRefine((value, ctx) => {
    const present = CORE_AUTH_KEYS.filter(key => value[key] !== undefined);
    if (present.length === 0 || present.length === CORE_AUTH_KEYS.length) return;
    const missing = CORE_AUTH_KEYS.filter(key => value[key] === undefined);
    for (const key of missing) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is missing (set ${present.join(' and ')} but not ${missing.join(' and ')}; set all of tokenEndpoint, clientId and clientSecret, or none to disable auth)`,
      });
    }
  });

/** What the schema accepts. */
export type KagentiAuthConfigInput = z.input<typeof kagentiAuthConfigSchema>;
/** What the schema produces: every key still optional. */
export type KagentiAuthConfigOutput = z.output<typeof kagentiAuthConfigSchema>;
