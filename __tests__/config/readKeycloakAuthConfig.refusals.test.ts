import { generateKeyPairSync } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import { ConfigurationError, readKeycloakAuthConfig } from '../../lib';
import { tokenEndpointProblem } from '../../lib/protocol/tokenEndpointProblem';
import { readError } from '../helpers/configSources';

// The rules of boost.kagenti.auth as a user meets them: what is read, and the exact message and
// keys of each refusal (written to the survivors of the 2026-12-03 evening mutation run).
const ENDPOINT = 'https://keycloak.example.com/realms/kagenti/protocol/openid-connect/token';
const root = (auth: unknown) => ({ boost: { kagenti: { auth } } });
const base = { tokenEndpoint: ENDPOINT, clientId: 'boost' };
const invalid = (details: string) => `Invalid boost.kagenti.auth configuration: ${details}`;
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const p256Jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

describe('readKeycloakAuthConfig: what it reads', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a root whose boost is null', { boost: null }],
    ['a root whose kagenti is null', { boost: { kagenti: null } }],
    ['an empty boost.kagenti.auth', root({})],
    ['a boost.kagenti.auth with only the buffer', root({ tokenExpiryBufferSeconds: 30 })],
  ])('reads %s as auth turned off', (_name, config) => {
    expect(readKeycloakAuthConfig(config as object | undefined)).toBeUndefined();
  });

  it('returns only the keys that are set, with the default buffer', () => {
    const settings = readKeycloakAuthConfig(root({ ...base, clientSecret: 's' }));
    expect(settings).toEqual({ ...base, clientSecret: 's', tokenExpiryBufferSeconds: 60 });
    expect(Object.keys(settings ?? {}).sort()).toEqual(['clientId', 'clientSecret', 'tokenEndpoint', 'tokenExpiryBufferSeconds']);
  });

  it('has no clientSecret key when the credential is a private key', () => {
    const settings = readKeycloakAuthConfig(root({ ...base, privateKey: rsaPem }));
    expect(Object.keys(settings ?? {}).sort()).toEqual(['clientId', 'privateKey', 'tokenEndpoint', 'tokenExpiryBufferSeconds']);
  });

  it('leaves out a key given as undefined, so that spreading the settings over options blanks nothing', () => {
    const settings = readKeycloakAuthConfig(
      root({ ...base, clientSecret: 's', clientAuthentication: undefined, assertionAudience: undefined }),
    );
    expect(Object.keys(settings ?? {}).sort()).toEqual(['clientId', 'clientSecret', 'tokenEndpoint', 'tokenExpiryBufferSeconds']);
  });

  it.each([
    ['private_key_jwt', { privateKey: rsaPem }],
    ['client_assertion', { clientAssertionFile: '/var/run/secrets/tokens/kagenti' }],
    ['client_secret_jwt', { clientSecret: 's' }],
    ['client_secret_post', { clientSecret: 's' }],
    ['client_secret_basic', { clientSecret: 's' }],
  ])('accepts clientAuthentication %s with the credential it needs', (method, credential) => {
    expect(readKeycloakAuthConfig(root({ ...base, clientAuthentication: method, ...credential }))).toMatchObject({
      clientAuthentication: method,
    });
  });
});

describe('readKeycloakAuthConfig: its refusals', () => {
  it('says a Backstage config whose boost.kagenti.auth is not an object must be one', () => {
    const error = readError(new ConfigReader({ boost: { kagenti: { auth: 'oops' } } }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('boost.kagenti.auth must be an object');
  });

  it('says a plain boost.kagenti.auth that is not an object must be one, naming no key', () => {
    const error = readError(root('oops'));
    expect(error.message).toBe(invalid('boost.kagenti.auth must be an object'));
    expect(error.keys).toEqual([]);
  });

  it('joins several problems with "; ", each under its key', () => {
    const error = readError(root({ tokenEndpoint: ENDPOINT, clientId: 7, clientSecret: '  ' }));
    expect(error.message).toBe(
      invalid(
        'boost.kagenti.auth.clientId: clientId must be a string; boost.kagenti.auth.clientSecret: clientSecret must not be empty',
      ),
    );
    expect(error.keys).toEqual(['clientId', 'clientSecret']);
  });

  it('says a tokenEndpoint that is not text must be a string', () => {
    expect(readError(root({ ...base, tokenEndpoint: 7, clientSecret: 's' })).message).toBe(
      invalid('boost.kagenti.auth.tokenEndpoint: tokenEndpoint must be a string'),
    );
  });

  it('says an assertionAudience that is not text must be a string', () => {
    expect(readError(root({ ...base, privateKey: rsaPem, assertionAudience: 7 })).message).toBe(
      invalid('boost.kagenti.auth.assertionAudience: assertionAudience must be a string'),
    );
  });

  it("gives tokenEndpoint's own problem as the message", () => {
    const error = readError(root({ ...base, tokenEndpoint: 'ftp://keycloak.example.com/token', clientSecret: 's' }));
    expect(error.message).toBe(
      invalid(`boost.kagenti.auth.tokenEndpoint: ${tokenEndpointProblem('ftp://keycloak.example.com/token')}`),
    );
  });

  it('names both keys that are set when the third is missing', () => {
    expect(readError(root(base)).message).toBe(
      invalid(
        'boost.kagenti.auth.clientSecret: clientSecret is missing (set tokenEndpoint and clientId but not clientSecret; set all of tokenEndpoint, clientId and clientSecret, or none to disable auth)',
      ),
    );
  });

  it('puts a key that cannot be read under privateKey even when signingAlgorithm is set', () => {
    const error = readError(root({ ...base, privateKey: 'not a key', signingAlgorithm: 'RS256' }));
    expect(error.keys).toEqual(['privateKey']);
  });

  it('puts a JWK whose own alg it cannot sign under privateKey, not signingAlgorithm', () => {
    const error = readError(root({ ...base, privateKey: JSON.stringify({ ...p256Jwk, alg: 'RS256' }) }));
    expect(error.keys).toEqual(['privateKey']);
    expect(error.message).toContain('cannot sign RS256');
  });

  it('puts an algorithm the key cannot sign under signingAlgorithm', () => {
    const error = readError(root({ ...base, privateKey: rsaPem, signingAlgorithm: 'ES256' }));
    expect(error.keys).toEqual(['signingAlgorithm']);
  });

  it('names client_secret_basic as the method a secret uses by default', () => {
    expect(readError(root({ ...base, clientSecret: 's', assertionAudience: 'https://a' })).message).toBe(
      invalid(
        'boost.kagenti.auth.assertionAudience: assertionAudience applies to private_key_jwt and client_secret_jwt only, not client_secret_basic',
      ),
    );
  });

  it('lists the HMAC algorithms when client_secret_jwt gets another one', () => {
    expect(
      readError(root({ ...base, clientSecret: 's', clientAuthentication: 'client_secret_jwt', signingAlgorithm: 'RS256' }))
        .message,
    ).toBe(
      invalid('boost.kagenti.auth.signingAlgorithm: signingAlgorithm for client_secret_jwt must be one of HS256, HS384, HS512'),
    );
  });
});
