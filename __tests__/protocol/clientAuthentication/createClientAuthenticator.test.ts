import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TokenRequestError } from '../../../lib';
import {
  createClientAuthenticator,
  type ClientAuthenticationOptions,
} from '../../../lib/protocol/clientAuthentication/createClientAuthenticator';
import { invalidClientAssertionHint } from '../../../lib/protocol/clientAuthentication/invalidClientAssertionHint';
import { defaultAssertionAudience } from '../../../lib/protocol/clientAuthentication/assertionClaims';
import { describeEndpoint } from '../../../lib/util/describeEndpoint';
import { retryDelayMs } from '../../../lib/token/RetryPolicy';
import { rejection } from '../../helpers/assertions';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const x25519 = generateKeyPairSync('x25519').privateKey;

const create = (options: ClientAuthenticationOptions) => createClientAuthenticator(ENDPOINT, 'boost', options);

describe('createClientAuthenticator option checks', () => {
  it('refuses an empty or non-string privateKeyId', () => {
    expect(() => create({ privateKey: rsaPem, privateKeyId: '' })).toThrow(
      new TypeError('privateKeyId must be a non-empty string'),
    );
    expect(() => create({ privateKey: rsaPem, privateKeyId: 7 as unknown as string })).toThrow(
      new TypeError('privateKeyId must be a non-empty string'),
    );
  });

  it('refuses an empty or non-string clientAssertionFile', () => {
    expect(() => create({ clientAssertionFile: '' })).toThrow(new TypeError('clientAssertionFile must be a non-empty path'));
    expect(() => create({ clientAssertionFile: 3 as unknown as string })).toThrow(
      new TypeError('clientAssertionFile must be a non-empty path'),
    );
  });

  it.each([
    ['blank', '  '],
    ['not a string', 42],
  ])('refuses an assertionAudience that is %s', (_name, assertionAudience) => {
    expect(() => create({ privateKey: rsaPem, assertionAudience: assertionAudience as string })).toThrow(
      new TypeError('assertionAudience must be a non-empty string'),
    );
  });
});

describe('createClientAuthenticator method choice', () => {
  it('names the methods it knows when clientAuthentication is not one of them', () => {
    expect(() => create({ clientAuthentication: 'mtls' as never, clientSecret: 's' })).toThrow(
      new TypeError(
        "clientAuthentication must be one of 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'client_assertion'",
      ),
    );
  });

  it('names every extra credential, joined with "and"', () => {
    expect(() =>
      create({ clientAuthentication: 'client_secret_post', clientSecret: 's', privateKey: rsaPem, clientAssertionFile: '/x' }),
    ).toThrow(
      new TypeError(
        'client_secret_post uses clientSecret or clientSecretFile, so privateKey and clientAssertionFile must not be set as well',
      ),
    );
  });

  it('lists the asymmetric algorithms when private_key_jwt gets another signingAlgorithm', () => {
    expect(() => create({ privateKey: rsaPem, signingAlgorithm: 'HS256' })).toThrow(
      new TypeError(
        'signingAlgorithm for private_key_jwt must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
      ),
    );
  });

  it('names the credential the method uses and the extra one', () => {
    expect(() => create({ clientAuthentication: 'client_secret_post', clientSecret: 's', privateKey: rsaPem })).toThrow(
      new TypeError('client_secret_post uses clientSecret or clientSecretFile, so privateKey must not be set as well'),
    );
  });

  it('reports the chosen method', () => {
    expect(create({ clientAuthentication: 'client_secret_post', clientSecret: 's' }).method).toBe('client_secret_post');
    expect(create({ clientAuthentication: 'client_secret_jwt', clientSecret: 's' }).method).toBe('client_secret_jwt');
  });

  it('gives each assertion method its own invalid_client advice', async () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const clock =
      'the clock: local time is 2026-01-02T03:04:05.000Z; Keycloak refuses an iat more than 15 s ahead or an expired exp.';
    const federated = await create({ clientAssertion: () => 'a.b.c' }).prepare({ now });
    expect(federated.invalidClientHint?.({ now })).toBe(
      `Check that the client in Keycloak is set up for federated client authentication (an identity provider that trusts the assertion's issuer, and a subject matching its sub), and that the assertion has not expired; ${clock}`,
    );
    const hmac = await create({ clientAuthentication: 'client_secret_jwt', clientSecret: 's' }).prepare({ now });
    expect(hmac.invalidClientHint?.({ now })).toBe(
      `Check that the client's Credentials tab in Keycloak has Client Authenticator "Signed JWT with Client Secret" and the same secret; that aud https://keycloak.test/realms/kagenti is the realm issuer or the token endpoint (set assertionAudience otherwise); ${clock}`,
    );
  });
});

describe('credential sources asked per attempt', () => {
  it('says the clientAssertion function failed, keeping its error as the cause', async () => {
    const failure = new Error('no token yet');
    const error = await rejection<TokenRequestError>(
      create({
        clientAssertion: () => {
          throw failure;
        },
      }).prepare({ now: 0 }),
    );
    expect(error.code).toBe('CLIENT_ASSERTION_UNAVAILABLE');
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} not sent: the clientAssertion function failed. Check the assertion source.`,
    );
    expect(error.cause).toBe(failure);
  });

  it.each([
    ['clientAssertion', 'an assertion', 'assertion', 'CLIENT_ASSERTION_UNAVAILABLE', ' \n', 5],
    ['clientSecret', 'a secret', 'secret', 'CLIENT_SECRET_UNAVAILABLE', '', 42],
  ] as const)(
    'says whether the %s function returned an empty string or something else',
    async (option, noun, source, code, empty, other) => {
      const answer = async (value: unknown) =>
        rejection<TokenRequestError>(create({ [option]: () => value as string }).prepare({ now: 0 }));
      const blank = await answer(empty);
      expect(blank.code).toBe(code);
      expect(blank.message).toBe(
        `Token request to ${ENDPOINT} not sent: the ${option} function returned an empty string, not ${noun}. Check the ${source} source.`,
      );
      expect((await answer(other)).message).toBe(
        `Token request to ${ENDPOINT} not sent: the ${option} function returned a number, not ${noun}. Check the ${source} source.`,
      );
    },
  );

  it('turns a key function answer that cannot sign into CLIENT_ASSERTION_UNAVAILABLE, saying why', async () => {
    const authenticator = create({ privateKey: () => x25519 });
    const error = await rejection<TokenRequestError>(authenticator.prepare({ now: 0 }));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.code).toBe('CLIENT_ASSERTION_UNAVAILABLE');
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} not sent: the privateKey function returned an unusable key: privateKey is a x25519 key, which cannot sign a client assertion; use RSA, EC or Ed25519`,
    );
  });

  it('names the unreadable clientAssertionFile and the error code', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kagenti-assertion-'));
    try {
      const file = path.join(dir, 'missing');
      const error = await rejection<TokenRequestError>(create({ clientAssertionFile: file }).prepare({ now: 0 }));
      expect(error.code).toBe('CLIENT_ASSERTION_UNAVAILABLE');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} not sent: the clientAssertionFile ${file} could not be read (ENOENT). Check that the projected token is mounted there and readable by this process.`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('invalidClientAssertionHint', () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('falls back to the client authentication settings for a method without its own advice', () => {
    expect(invalidClientAssertionHint('client_secret_basic', undefined, { now })).toBe(
      'Check the client authentication settings in Keycloak; the clock: local time is 2026-01-02T03:04:05.000Z; Keycloak refuses an iat more than 15 s ahead or an expired exp.',
    );
  });

  it("says the clocks agree when the server's Date is within the same second", () => {
    expect(invalidClientAssertionHint('client_secret_post', undefined, { now, serverDate: now + 400 })).toBe(
      "Check the client authentication settings in Keycloak; the clock: local time is 2026-01-02T03:04:05.000Z, the same second as the server's Date; Keycloak refuses an iat more than 15 s ahead or an expired exp.",
    );
  });
});

describe('describeEndpoint', () => {
  it('shows scheme, host, port and path only, and (invalid URL) for text that is not a URL', () => {
    expect(describeEndpoint('https://user:pw@kc.test:8443/realms/r/token?x=1#f')).toBe('https://kc.test:8443/realms/r/token');
    expect(describeEndpoint('not a url')).toBe('(invalid URL)');
  });
});

describe('defaultAssertionAudience', () => {
  it('is the realm issuer for a Keycloak token endpoint, even with trailing slashes', () => {
    expect(defaultAssertionAudience(`${ENDPOINT}/`)).toBe('https://keycloak.test/realms/kagenti');
    expect(defaultAssertionAudience(`${ENDPOINT}//`)).toBe('https://keycloak.test/realms/kagenti');
  });
});

describe('retryDelayMs', () => {
  it('waits out a Retry-After equal to maxDelayMs, and gives up on a longer one', () => {
    const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(policy, 1, 1000, () => 0)).toBe(1000);
    expect(retryDelayMs(policy, 1, 1001, () => 0)).toBeUndefined();
  });
});
