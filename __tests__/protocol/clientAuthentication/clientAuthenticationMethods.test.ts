import { clientAssertionFromOptions } from '../../../lib/protocol/clientAuthentication/clientAssertion';
import {
  checkClientAuthentication,
  CLIENT_AUTHENTICATION_METHODS,
  CLIENT_AUTHENTICATIONS,
  defaultMethod,
  isClientAuthentication,
  methodsTaking,
  type ClientAuthenticationProblem,
  type Credential,
  type SigningOption,
} from '../../../lib/protocol/clientAuthentication/clientAuthenticationMethods';
import { clientSecretBasicFromOptions } from '../../../lib/protocol/clientAuthentication/clientSecretBasic';
import { clientSecretJwtFromOptions } from '../../../lib/protocol/clientAuthentication/clientSecretJwt';
import { clientSecretPostFromOptions } from '../../../lib/protocol/clientAuthentication/clientSecretPost';
import { privateKeyJwtFromOptions } from '../../../lib/protocol/clientAuthentication/privateKeyJwt';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const ASSERTION_OPTIONS = ['signingAlgorithm', 'assertionAudience', 'assertionLifetimeSeconds'];

// Values stand in for real credentials; a message must never quote one.
const SECRET = 'Sup3r-S3cret-Value!';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQ-key-body\n-----END PRIVATE KEY-----';
const ASSERTION = () => 'eyJhbGciOiJSUzI1NiJ9.assertion.sig';
const ASSERTION_FILE = '/var/run/secrets/tokens/kagenti';

describe('CLIENT_AUTHENTICATION_METHODS', () => {
  it('lists the methods in order of preference', () => {
    expect(CLIENT_AUTHENTICATIONS).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'client_secret_jwt',
      'client_assertion',
    ]);
  });

  it.each([
    ['client_secret_basic', ['clientSecret', 'clientSecretFile'], [], [], clientSecretBasicFromOptions],
    ['client_secret_post', ['clientSecret', 'clientSecretFile'], [], [], clientSecretPostFromOptions],
    ['private_key_jwt', ['privateKey'], ['privateKeyId', ...ASSERTION_OPTIONS], ASYMMETRIC, privateKeyJwtFromOptions],
    [
      'client_secret_jwt',
      ['clientSecret', 'clientSecretFile'],
      ASSERTION_OPTIONS,
      ['HS256', 'HS384', 'HS512'],
      clientSecretJwtFromOptions,
    ],
    ['client_assertion', ['clientAssertion', 'clientAssertionFile'], [], [], clientAssertionFromOptions],
  ] as const)('%s takes %j, signing options %j, algorithms %j', (method, credentials, signingOptions, algorithms, build) => {
    const rule = CLIENT_AUTHENTICATION_METHODS[method];
    expect(rule.credentials).toEqual(credentials);
    expect(rule.signingOptions).toEqual(signingOptions);
    expect(rule.signingAlgorithms).toEqual(algorithms);
    expect(rule.build).toBe(build);
  });
});

describe('defaultMethod', () => {
  it.each<[Credential[], string]>([
    [[], 'client_secret_basic'],
    [['clientSecret'], 'client_secret_basic'],
    [['clientSecretFile'], 'client_secret_basic'],
    [['clientSecretFile', 'privateKey'], 'private_key_jwt'],
    [['privateKey'], 'private_key_jwt'],
    [['clientAssertion'], 'client_assertion'],
    [['clientAssertionFile'], 'client_assertion'],
    [['clientSecret', 'privateKey'], 'private_key_jwt'],
    [['clientSecret', 'clientAssertion'], 'client_assertion'],
    [['clientAssertionFile', 'clientSecret'], 'client_assertion'],
    [['clientAssertion', 'privateKey'], 'private_key_jwt'],
    [['clientAssertionFile', 'privateKey'], 'private_key_jwt'],
  ])('given %j, is %s', (given, method) => {
    expect(defaultMethod(given)).toBe(method);
  });
});

describe('methodsTaking', () => {
  it.each<[SigningOption, string[]]>([
    ['privateKeyId', ['private_key_jwt']],
    ['signingAlgorithm', ['private_key_jwt', 'client_secret_jwt']],
    ['assertionAudience', ['private_key_jwt', 'client_secret_jwt']],
    ['assertionLifetimeSeconds', ['private_key_jwt', 'client_secret_jwt']],
  ])('%s is taken by %j', (option, methods) => {
    expect(methodsTaking(option)).toEqual(methods);
  });
});

describe('isClientAuthentication', () => {
  it.each(CLIENT_AUTHENTICATIONS)('knows %s', method => {
    expect(isClientAuthentication(method)).toBe(true);
  });

  it.each([
    'toString',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'CLIENT_SECRET_BASIC',
    'client-secret-basic',
    'client_secret_basic ',
    '',
    undefined,
    null,
    5,
    { client_secret_basic: true },
  ])('refuses %p', value => {
    expect(isClientAuthentication(value)).toBe(false);
  });

  it.each([
    ['an array holding a method name', ['client_secret_post']],
    ['an object whose text is a method name', { toString: (): string => 'private_key_jwt' }],
  ])('refuses %s, though it would find the method as a property key', (_name, value) => {
    expect(isClientAuthentication(value)).toBe(false);
  });
});

describe('checkClientAuthentication', () => {
  const problem = (key: ClientAuthenticationProblem['key'], message: string): ClientAuthenticationProblem => ({ key, message });

  describe('when the settings are complete', () => {
    it.each([
      ['a secret', { clientSecret: SECRET }, 'client_secret_basic'],
      [
        'a secret for client_secret_post',
        { clientAuthentication: 'client_secret_post', clientSecret: SECRET },
        'client_secret_post',
      ],
      [
        'a key with every signing option',
        {
          privateKey: KEY,
          privateKeyId: 'kid-1',
          signingAlgorithm: 'ES256',
          assertionAudience: 'https://keycloak.test/realms/kagenti',
          assertionLifetimeSeconds: 30,
        },
        'private_key_jwt',
      ],
      [
        'a secret signing with HS512',
        { clientAuthentication: 'client_secret_jwt', clientSecret: SECRET, signingAlgorithm: 'HS512' },
        'client_secret_jwt',
      ],
      ['an assertion function', { clientAssertion: ASSERTION }, 'client_assertion'],
      ['an assertion file', { clientAssertionFile: ASSERTION_FILE }, 'client_assertion'],
    ])('chooses the method of %s, with no problem', (_name, settings, method) => {
      expect(checkClientAuthentication(settings)).toEqual({ method, problems: [] });
    });
  });

  describe('when clientAuthentication names no method', () => {
    const message =
      "clientAuthentication must be one of 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'client_assertion'";

    it.each(['basic', 'toString', 42])('refuses %p, and reports nothing else', value => {
      expect(checkClientAuthentication({ clientAuthentication: value, privateKeyId: 'kid-1' })).toEqual({
        method: 'client_secret_basic',
        problems: [problem('clientAuthentication', message)],
      });
    });

    it('still says which method the credentials given would choose', () => {
      expect(checkClientAuthentication({ clientAuthentication: 'jwt', privateKey: KEY }).method).toBe('private_key_jwt');
    });
  });

  describe('when the credential is missing', () => {
    it.each([
      [{}, 'client_secret_basic', 'clientSecret', 'client_secret_basic needs clientSecret or clientSecretFile'],
      [{ clientAuthentication: 'private_key_jwt' }, 'private_key_jwt', 'privateKey', 'private_key_jwt needs privateKey'],
      [
        { clientAuthentication: 'client_assertion' },
        'client_assertion',
        'clientAssertion',
        'client_assertion needs clientAssertion or clientAssertionFile',
      ],
    ] as const)('with %j, %s names its first credential', (settings, method, key, message) => {
      expect(checkClientAuthentication(settings)).toEqual({ method, problems: [problem(key, message)] });
    });
  });

  describe('when a credential belongs to another method', () => {
    it('refuses it for the method named', () => {
      expect(
        checkClientAuthentication({ clientAuthentication: 'client_secret_post', clientSecret: SECRET, privateKey: KEY }),
      ).toEqual({
        method: 'client_secret_post',
        problems: [
          problem(
            'privateKey',
            'client_secret_post uses clientSecret or clientSecretFile, so privateKey must not be set as well',
          ),
        ],
      });
    });

    it('refuses the secret left beside a key, taking the key as meant', () => {
      expect(checkClientAuthentication({ clientSecret: SECRET, privateKey: KEY })).toEqual({
        method: 'private_key_jwt',
        problems: [problem('clientSecret', 'private_key_jwt uses privateKey, so clientSecret must not be set as well')],
      });
    });

    it('names every extra credential, one problem for each', () => {
      const message = 'private_key_jwt uses privateKey, so clientSecret and clientAssertionFile must not be set as well';
      expect(
        checkClientAuthentication({ privateKey: KEY, clientAssertionFile: ASSERTION_FILE, clientSecret: SECRET }).problems,
      ).toEqual([problem('clientSecret', message), problem('clientAssertionFile', message)]);
    });

    it("does not also call the method's own credential missing", () => {
      expect(checkClientAuthentication({ clientAuthentication: 'client_secret_basic', privateKey: KEY }).problems).toEqual([
        problem('privateKey', 'client_secret_basic uses clientSecret or clientSecretFile, so privateKey must not be set as well'),
      ]);
    });
  });

  it('refuses both assertion credentials at once, naming each', () => {
    const message = 'client_assertion takes one of clientAssertion and clientAssertionFile, not both';
    expect(checkClientAuthentication({ clientAssertion: ASSERTION, clientAssertionFile: ASSERTION_FILE })).toEqual({
      method: 'client_assertion',
      problems: [problem('clientAssertion', message), problem('clientAssertionFile', message)],
    });
  });

  describe('signing options', () => {
    it.each([
      ['privateKeyId', 'client_secret_basic', { clientSecret: SECRET, privateKeyId: 'kid-1' }, 'private_key_jwt only'],
      [
        'privateKeyId',
        'client_secret_jwt',
        { clientAuthentication: 'client_secret_jwt', clientSecret: SECRET, privateKeyId: 'kid-1' },
        'private_key_jwt only',
      ],
      [
        'assertionAudience',
        'client_assertion',
        { clientAssertionFile: ASSERTION_FILE, assertionAudience: 'https://keycloak.test' },
        'private_key_jwt and client_secret_jwt only',
      ],
      [
        'assertionLifetimeSeconds',
        'client_secret_basic',
        { clientSecret: SECRET, assertionLifetimeSeconds: 30 },
        'private_key_jwt and client_secret_jwt only',
      ],
      [
        'signingAlgorithm',
        'client_secret_basic',
        { clientSecret: SECRET, signingAlgorithm: 'HS256' },
        'private_key_jwt and client_secret_jwt only',
      ],
    ] as const)('refuses %s for %s, which does not take it', (key, method, settings, takenBy) => {
      expect(checkClientAuthentication(settings).problems).toEqual([problem(key, `${key} applies to ${takenBy}, not ${method}`)]);
    });

    it('reports credential problems first, then signing options in their order', () => {
      expect(
        checkClientAuthentication({ clientAuthentication: 'client_secret_post', assertionAudience: 'aud', privateKeyId: 'kid-1' })
          .problems,
      ).toEqual([
        problem('clientSecret', 'client_secret_post needs clientSecret or clientSecretFile'),
        problem('privateKeyId', 'privateKeyId applies to private_key_jwt only, not client_secret_post'),
        problem(
          'assertionAudience',
          'assertionAudience applies to private_key_jwt and client_secret_jwt only, not client_secret_post',
        ),
      ]);
    });

    it.each([
      ['RS256', 'client_secret_jwt', { clientAuthentication: 'client_secret_jwt', clientSecret: SECRET }, 'HS256, HS384, HS512'],
      ['hs256', 'client_secret_jwt', { clientAuthentication: 'client_secret_jwt', clientSecret: SECRET }, 'HS256, HS384, HS512'],
      ['HS256', 'private_key_jwt', { privateKey: KEY }, ASYMMETRIC.join(', ')],
    ] as const)('refuses the algorithm %s for %s', (signingAlgorithm, method, settings, algorithms) => {
      expect(checkClientAuthentication({ ...settings, signingAlgorithm }).problems).toEqual([
        problem('signingAlgorithm', `signingAlgorithm for ${method} must be one of ${algorithms}`),
      ]);
    });
  });

  describe('when only some credentials can be given (app config holds no functions)', () => {
    const available: Credential[] = ['clientSecret', 'privateKey', 'clientAssertionFile'];

    it('asks client_assertion for clientAssertionFile only', () => {
      expect(checkClientAuthentication({ clientAuthentication: 'client_assertion' }, available)).toEqual({
        method: 'client_assertion',
        problems: [problem('clientAssertionFile', 'client_assertion needs clientAssertionFile')],
      });
    });

    it('names only the available credentials when refusing an extra one', () => {
      expect(checkClientAuthentication({ clientAssertionFile: ASSERTION_FILE, clientSecret: SECRET }, available)).toEqual({
        method: 'client_assertion',
        problems: [problem('clientSecret', 'client_assertion uses clientAssertionFile, so clientSecret must not be set as well')],
      });
    });

    it('does not count a setting of a credential that is not available', () => {
      expect(checkClientAuthentication({ clientAssertion: ASSERTION, clientAssertionFile: ASSERTION_FILE }, available)).toEqual({
        method: 'client_assertion',
        problems: [],
      });
    });
  });

  it('never quotes a value in a message', () => {
    const { problems } = checkClientAuthentication({
      clientAuthentication: 'client_secret_post',
      clientSecret: SECRET,
      privateKey: KEY,
      clientAssertion: ASSERTION,
      privateKeyId: 'kid-secret-1',
      assertionAudience: 'https://audience.test/secret',
    });
    expect(problems).toHaveLength(4);
    const text = JSON.stringify(problems);
    for (const value of [SECRET, 'MIIEvQ-key-body', 'assertion.sig', 'kid-secret-1', 'audience.test'])
      expect(text).not.toContain(value);
  });
});
