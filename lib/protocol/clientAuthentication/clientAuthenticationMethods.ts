import type { ClientAuthentication, ClientAuthenticator } from './ClientAuthenticator';
import type { ClientAuthenticationOptions } from './ClientAuthenticationOptions';
import { clientAssertionFromOptions } from './clientAssertion';
import { clientSecretBasicFromOptions } from './clientSecretBasic';
import { clientSecretJwtFromOptions } from './clientSecretJwt';
import { clientSecretPostFromOptions } from './clientSecretPost';
import { privateKeyJwtFromOptions } from './privateKeyJwt';
import { ASYMMETRIC_SIGNING_ALGORITHMS, HMAC_SIGNING_ALGORITHMS, type SigningAlgorithm } from './signJwt';

/** The options that each hold one client credential. */
export type Credential = 'clientSecret' | 'clientSecretFile' | 'privateKey' | 'clientAssertion' | 'clientAssertionFile';
/** The options of signed client assertions. */
export type SigningOption = 'privateKeyId' | 'signingAlgorithm' | 'assertionAudience' | 'assertionLifetimeSeconds';

/** Everything one token request's client authentication is built from. */
export interface ClientAuthenticationContext {
  tokenEndpoint: string;
  clientId: string;
  options: ClientAuthenticationOptions;
}

/** One client authentication method as the rulebook describes it. */
export interface ClientAuthenticationMethod {
  /** The options that can hold its credential; exactly one of them is set. */
  credentials: readonly Credential[];
  /** The signing options it takes; every other one is refused. */
  signingOptions: readonly SigningOption[];
  /** The JWS algorithms it signs with (none for the methods that do not sign). */
  signingAlgorithms: readonly SigningAlgorithm[];
  /** Builds the method's authenticator, checking its own arguments. */
  build(context: ClientAuthenticationContext): ClientAuthenticator;
}

const ASSERTION_OPTIONS: readonly SigningOption[] = ['signingAlgorithm', 'assertionAudience', 'assertionLifetimeSeconds'];

/**
 * The rulebook of client authentication: which credential each method takes, which options,
 * which algorithms, and its factory. The config schema, the authenticator factory and their
 * messages are all read from here. In order of preference: the first method whose credentials
 * include the one given is the default for it.
 */
export const CLIENT_AUTHENTICATION_METHODS = {
  client_secret_basic: {
    credentials: ['clientSecret', 'clientSecretFile'],
    signingOptions: [],
    signingAlgorithms: [],
    build: clientSecretBasicFromOptions,
  },
  client_secret_post: {
    credentials: ['clientSecret', 'clientSecretFile'],
    signingOptions: [],
    signingAlgorithms: [],
    build: clientSecretPostFromOptions,
  },
  private_key_jwt: {
    credentials: ['privateKey'],
    signingOptions: ['privateKeyId', ...ASSERTION_OPTIONS],
    signingAlgorithms: ASYMMETRIC_SIGNING_ALGORITHMS,
    build: privateKeyJwtFromOptions,
  },
  client_secret_jwt: {
    credentials: ['clientSecret', 'clientSecretFile'],
    signingOptions: ASSERTION_OPTIONS,
    signingAlgorithms: HMAC_SIGNING_ALGORITHMS,
    build: clientSecretJwtFromOptions,
  },
  client_assertion: {
    credentials: ['clientAssertion', 'clientAssertionFile'],
    signingOptions: [],
    signingAlgorithms: [],
    build: clientAssertionFromOptions,
  },
} as const satisfies Record<ClientAuthentication, ClientAuthenticationMethod>;

/** Every method, in the rulebook's order. */
export const CLIENT_AUTHENTICATIONS = Object.keys(CLIENT_AUTHENTICATION_METHODS) as ClientAuthentication[];

/** Every credential option, in the rulebook's order. */
export const CREDENTIALS: readonly Credential[] = [
  'clientSecret',
  'clientSecretFile',
  'privateKey',
  'clientAssertion',
  'clientAssertionFile',
];

/** Every signing option. */
export const SIGNING_OPTIONS: readonly SigningOption[] = ['privateKeyId', ...ASSERTION_OPTIONS];

/** The rule of one method. */
export function methodRule(method: ClientAuthentication): ClientAuthenticationMethod {
  return CLIENT_AUTHENTICATION_METHODS[method];
}

/** Whether `value` names a method of the rulebook. */
export function isClientAuthentication(value: unknown): value is ClientAuthentication {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CLIENT_AUTHENTICATION_METHODS, value);
}

/**
 * Which credential names the method when several are given: the most specific first, so that a
 * key or an assertion left beside a secret is taken as meant (and the secret refused as extra).
 */
// Stryker disable StringLiteral: without clientSecret or clientSecretFile here, a secret falls back to the first method, which is also the first to take it
const CREDENTIAL_PREFERENCE: readonly Credential[] = [
  'privateKey',
  'clientAssertion',
  'clientAssertionFile',
  'clientSecret',
  'clientSecretFile',
];
// Stryker restore StringLiteral

/** The method used when none is named: the first that takes the preferred credential given, else the first. */
export function defaultMethod(given: readonly Credential[]): ClientAuthentication {
  const credential = CREDENTIAL_PREFERENCE.find(key => given.includes(key));
  return (
    CLIENT_AUTHENTICATIONS.find(method => credential && methodRule(method).credentials.includes(credential)) ??
    CLIENT_AUTHENTICATIONS[0]
  );
}

/** The methods that take a signing option, for messages. */
export function methodsTaking(option: SigningOption): ClientAuthentication[] {
  return CLIENT_AUTHENTICATIONS.filter(method => methodRule(method).signingOptions.includes(option));
}

/** One thing wrong with the client authentication settings: the option it is about and why. */
export interface ClientAuthenticationProblem {
  key: Credential | SigningOption | 'clientAuthentication';
  message: string;
}

/**
 * The method the settings choose and what is wrong with them: a method that is not one, a
 * credential missing, two given, one that belongs to another method, a signing option the method
 * does not take. Each message names options and methods, never a value.
 */
export function checkClientAuthentication(
  settings: Partial<Record<Credential | SigningOption | 'clientAuthentication', unknown>>,
  /** The credentials the settings can hold at all (app config holds no functions). */
  available: readonly Credential[] = CREDENTIALS,
): {
  method: ClientAuthentication;
  problems: ClientAuthenticationProblem[];
} {
  const given = available.filter(key => settings[key] !== undefined);
  const named = settings.clientAuthentication;
  if (named !== undefined && !isClientAuthentication(named)) {
    const message = `clientAuthentication must be one of ${CLIENT_AUTHENTICATIONS.map(m => `'${m}'`).join(', ')}`;
    return { method: defaultMethod(given), problems: [{ key: 'clientAuthentication', message }] };
  }
  const method = named ?? defaultMethod(given);
  const credentials = methodRule(method).credentials.filter(key => available.includes(key));
  const problems: ClientAuthenticationProblem[] = [];
  const extra = given.filter(key => !credentials.includes(key));
  const present = given.filter(key => credentials.includes(key));
  if (extra.length > 0) {
    const message = `${method} uses ${credentials.join(' or ')}, so ${extra.join(' and ')} must not be set as well`;
    problems.push(...extra.map(key => ({ key, message })));
  } else if (present.length === 0) {
    problems.push({ key: credentials[0], message: `${method} needs ${credentials.join(' or ')}` });
  } else if (present.length > 1) {
    problems.push(...present.map(key => ({ key, message: `${method} takes one of ${credentials.join(' and ')}, not both` })));
  }
  for (const key of SIGNING_OPTIONS) {
    if (settings[key] !== undefined && !methodRule(method).signingOptions.includes(key)) {
      problems.push({ key, message: `${key} applies to ${methodsTaking(key).join(' and ')} only, not ${method}` });
    }
  }
  const algorithm = settings.signingAlgorithm;
  const algorithms: readonly string[] = methodRule(method).signingAlgorithms;
  if (algorithm !== undefined && algorithms.length > 0 && !algorithms.includes(algorithm as string)) {
    problems.push({ key: 'signingAlgorithm', message: `signingAlgorithm for ${method} must be one of ${algorithms.join(', ')}` });
  }
  return { method, problems };
}
