import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { KeycloakTokenManager, readKeycloakAuthConfig } from '../../lib';
import { sentAssertion } from '../helpers/assertions';
import { TokenEndpointMock, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';
import { configSources, readError } from '../helpers/configSources';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const JWK = rsa.privateKey.export({ format: 'jwk' });
const SECRET = 'do-not-print-me-42';
const CORE = { tokenEndpoint: TOKEN_ENDPOINT, clientId: 'boost' };
const root = (auth: unknown) => ({ boost: { kagenti: { auth } } });
/** Every private part that must never be quoted back. */
const KEY_PARTS = [PEM.split('\n')[1], JWK.d!, JWK.p!, JWK.q!, JWK.dp!, JWK.dq!, JWK.qi!, SECRET];

const sources = configSources;

describe.each(sources)('client authentication config, with %s', (_label, source) => {
  it('reads a PEM privateKey without a clientSecret, and fromConfig signs with it', async () => {
    const config = source(root({ ...CORE, privateKey: PEM, privateKeyId: 'k1' }));
    expect(readKeycloakAuthConfig(config)).toEqual({
      ...CORE,
      privateKey: PEM.trim(),
      privateKeyId: 'k1',
      tokenExpiryBufferSeconds: 60,
    });
    const endpoint = new TokenEndpointMock();
    const manager = KeycloakTokenManager.fromConfig(config, { httpClient: endpoint.http });
    await manager!.getToken();
    const assertion = sentAssertion(endpoint.requests[0]);
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(decodeJwt(assertion)).toMatchObject({ iss: 'boost', sub: 'boost' });
    manager!.close();
  });

  it('reads a JWK given as JSON text, and a PEM whose line breaks arrived as literal \\n', () => {
    expect(readKeycloakAuthConfig(source(root({ ...CORE, privateKey: JSON.stringify(JWK) })))?.privateKey).toEqual(JWK);
    const flattened = PEM.trim().replace(/\n/g, '\\n');
    expect(readKeycloakAuthConfig(source(root({ ...CORE, privateKey: flattened })))?.privateKey).toBe(PEM.trim());
  });

  it('reads clientAssertionFile, client_secret_jwt with HS384, and assertionAudience', () => {
    expect(readKeycloakAuthConfig(source(root({ ...CORE, clientAssertionFile: '/var/run/secrets/tokens/keycloak' })))).toEqual({
      ...CORE,
      clientAssertionFile: '/var/run/secrets/tokens/keycloak',
      tokenExpiryBufferSeconds: 60,
    });
    const jwt = {
      ...CORE,
      clientSecret: SECRET,
      clientAuthentication: 'client_secret_jwt',
      signingAlgorithm: 'HS384',
      assertionAudience: 'https://kc/realms/r',
    };
    expect(readKeycloakAuthConfig(source(root(jwt)))).toEqual({ ...jwt, tokenExpiryBufferSeconds: 60 });
  });

  it("reads clientSecretFile without a clientSecret, and fromConfig sends the file's secret as read per request", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kagenti-config-'));
    const file = join(dir, 'client-secret');
    writeFileSync(file, `${SECRET}\n`);
    const config = source(root({ ...CORE, clientSecretFile: file }));
    expect(readKeycloakAuthConfig(config)).toEqual({ ...CORE, clientSecretFile: file, tokenExpiryBufferSeconds: 60 });
    const endpoint = new TokenEndpointMock();
    const manager = KeycloakTokenManager.fromConfig(config, { httpClient: endpoint.http })!;
    await manager.getToken();
    writeFileSync(file, 'rotated-secret');
    manager.invalidate();
    await manager.getToken();
    const basic = (secret: string) => `Basic ${Buffer.from(`boost:${secret}`).toString('base64')}`;
    expect(endpoint.requests.map(request => request.headers?.Authorization)).toEqual([basic(SECRET), basic('rotated-secret')]);
    manager.close();
    rmSync(dir, { recursive: true });
  });

  const invalid: Array<[string, Record<string, unknown>, string[], RegExp]> = [
    [
      'clientSecretFile without clientId',
      { tokenEndpoint: TOKEN_ENDPOINT, clientSecretFile: '/t' },
      ['clientId'],
      /clientId is missing \(it is needed with clientSecretFile, privateKey or clientAssertionFile\)/,
    ],
    [
      'clientSecretFile and clientSecret',
      { ...CORE, clientSecretFile: '/t', clientSecret: SECRET },
      ['clientSecret', 'clientSecretFile'],
      /client_secret_basic takes one of clientSecret and clientSecretFile, not both/,
    ],
    [
      'clientSecretFile with private_key_jwt',
      { ...CORE, clientSecretFile: '/t', clientAuthentication: 'private_key_jwt' },
      ['clientSecretFile'],
      /private_key_jwt uses privateKey, so clientSecretFile must not be set as well/,
    ],
    ['privateKey without clientId', { tokenEndpoint: TOKEN_ENDPOINT, privateKey: PEM }, ['clientId'], /clientId is missing/],
    [
      'clientAssertionFile without tokenEndpoint',
      { clientId: 'b', clientAssertionFile: '/t' },
      ['tokenEndpoint'],
      /tokenEndpoint is missing/,
    ],
    [
      'privateKey and clientSecret',
      { ...CORE, privateKey: PEM, clientSecret: SECRET },
      ['clientSecret'],
      /private_key_jwt uses privateKey, so clientSecret must not be set as well/,
    ],
    [
      'privateKey and clientAssertionFile',
      { ...CORE, privateKey: PEM, clientAssertionFile: '/t' },
      ['clientAssertionFile'],
      /private_key_jwt uses privateKey, so clientAssertionFile must not be set as well/,
    ],
    [
      'a privateKey that does not parse',
      { ...CORE, privateKey: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` },
      ['privateKey'],
      /could not be read as a private key/,
    ],
    ['a JWK that is not JSON', { ...CORE, privateKey: `{"kty":"RSA","d":"${JWK.d}"` }, ['privateKey'], /not valid JSON/],
    [
      'a public JWK',
      { ...CORE, privateKey: JSON.stringify(rsa.publicKey.export({ format: 'jwk' })) },
      ['privateKey'],
      /public JWK/,
    ],
    [
      'a key that does not fit signingAlgorithm',
      { ...CORE, privateKey: PEM, signingAlgorithm: 'ES256' },
      ['signingAlgorithm'],
      /cannot sign ES256/,
    ],
    [
      'an HMAC signingAlgorithm with a privateKey',
      { ...CORE, privateKey: PEM, signingAlgorithm: 'HS256' },
      ['signingAlgorithm'],
      /signingAlgorithm for private_key_jwt must be one of RS256, /,
    ],
    [
      'private_key_jwt with only a clientSecret',
      { ...CORE, clientSecret: SECRET, clientAuthentication: 'private_key_jwt' },
      ['clientSecret'],
      /private_key_jwt uses privateKey, so clientSecret must not be set as well/,
    ],
    [
      'client_assertion without a file',
      { ...CORE, clientAuthentication: 'client_assertion' },
      ['clientAssertionFile'],
      /client_assertion needs clientAssertionFile$/,
    ],
    [
      'client_secret_basic with a privateKey',
      { ...CORE, privateKey: PEM, clientAuthentication: 'client_secret_basic' },
      ['privateKey'],
      /client_secret_basic uses clientSecret or clientSecretFile, so privateKey must not be set as well/,
    ],
    [
      'signingAlgorithm with clientAssertionFile',
      { ...CORE, clientAssertionFile: '/t', signingAlgorithm: 'RS256' },
      ['signingAlgorithm'],
      /signingAlgorithm applies to private_key_jwt and client_secret_jwt only, not client_assertion/,
    ],
    [
      'signingAlgorithm with client_secret_basic',
      { ...CORE, clientSecret: SECRET, signingAlgorithm: 'HS256' },
      ['signingAlgorithm'],
      /signingAlgorithm applies to private_key_jwt and client_secret_jwt only, not client_secret_basic/,
    ],
    [
      'an RS256 client_secret_jwt',
      { ...CORE, clientSecret: SECRET, clientAuthentication: 'client_secret_jwt', signingAlgorithm: 'RS256' },
      ['signingAlgorithm'],
      /signingAlgorithm for client_secret_jwt must be one of HS256, HS384, HS512/,
    ],
    [
      'privateKeyId with a clientSecret',
      { ...CORE, clientSecret: SECRET, privateKeyId: 'k' },
      ['privateKeyId'],
      /privateKeyId applies to private_key_jwt only, not client_secret_basic/,
    ],
    [
      'an unknown clientAuthentication',
      { ...CORE, clientSecret: SECRET, clientAuthentication: `x-${SECRET}` },
      ['clientAuthentication'],
      /clientAuthentication must be one of/,
    ],
    [
      'an unknown signingAlgorithm',
      { ...CORE, privateKey: PEM, signingAlgorithm: 'none' },
      ['signingAlgorithm'],
      /signingAlgorithm must be one of/,
    ],
    ['a numeric privateKey', { ...CORE, privateKey: 42 }, ['privateKey'], /privateKey must be a string/],
  ];
  it.each(invalid)('throws for %s, naming the keys and quoting no key or secret', (_case, auth, keys, message) => {
    const error = readError(source(root(auth)));
    expect([...error.keys].sort()).toEqual([...keys].sort());
    expect(error.message).toMatch(message);
    for (const key of keys) expect(error.message).toContain(`boost.kagenti.auth.${key}`);
    const text = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
    for (const part of KEY_PARTS) expect(text).not.toContain(part);
  });
});

describe('client authentication config through a Config without getOptional', () => {
  // The reader's key-by-key path, for Config implementations that only have the typed getters.
  const minimal = (auth: Record<string, string>) => {
    const node = {
      getOptionalConfig: () => undefined,
      getOptionalString: (key: string) => auth[key],
      getOptionalNumber: () => undefined,
    };
    return { ...node, getOptionalConfig: (key: string) => (key === 'boost.kagenti.auth' ? node : undefined) };
  };

  it('reads every client authentication key', () => {
    const auth = {
      ...CORE,
      clientSecret: SECRET,
      clientAuthentication: 'client_secret_jwt',
      signingAlgorithm: 'HS512',
      assertionAudience: 'https://kc/realms/r',
    };
    expect(readKeycloakAuthConfig(minimal(auth))).toEqual({ ...auth, tokenExpiryBufferSeconds: 60 });
    expect(readKeycloakAuthConfig(minimal({ ...CORE, privateKey: PEM, privateKeyId: 'k' }))).toMatchObject({
      privateKey: PEM.trim(),
      privateKeyId: 'k',
    });
    expect(readKeycloakAuthConfig(minimal({ ...CORE, clientAssertionFile: '/t' }))).toMatchObject({ clientAssertionFile: '/t' });
  });
});
