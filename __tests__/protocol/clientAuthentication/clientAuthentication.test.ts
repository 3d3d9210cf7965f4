import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { KeycloakTokenManager, TokenRequestError, type KeycloakTokenManagerOptions } from '../../../lib';
import { JWT_BEARER, sentAssertion, sentForm } from '../../helpers/assertions';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, managerFixture } from '../../helpers/tokenEndpointMock';

const ISSUER = 'https://keycloak.test/realms/kagenti';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');

const noSecret = { clientSecret: undefined } as const;
const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
};
const construct = (options: Partial<KeycloakTokenManagerOptions>) =>
  errorOf(() => new KeycloakTokenManager({ tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, ...options }));

describe('private_key_jwt', () => {
  it('sends a signed assertion in the form, with client_id and no Authorization header or secret', async () => {
    const { endpoint, manager } = managerFixture({ ...noSecret, privateKey: rsaPem, privateKeyId: 'key-1' });
    await expect(manager.getToken()).resolves.toBe('token-1');
    const [request] = endpoint.requests;
    const form = sentForm(request);
    expect([...form.keys()].sort()).toEqual(['client_assertion', 'client_assertion_type', 'client_id', 'grant_type']);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe(JWT_BEARER);
    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(request.headers?.Authorization).toBeUndefined();
  });

  it('signs RS256 claims per Keycloak: iss = sub = client id, aud = realm issuer, fresh jti, iat from the clock, exp 30 s later', async () => {
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: rsaPem, privateKeyId: 'key-1' });
    clock.set(1_700_000_000_999);
    await manager.getToken();
    const assertion = sentAssertion(endpoint.requests[0]);
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256', kid: 'key-1', typ: 'JWT' });
    const claims = decodeJwt(assertion);
    expect(claims).toEqual({
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: ISSUER,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      iat: 1_700_000_000,
      exp: 1_700_000_030,
    });
    const verified = await jwtVerify(assertion, rsa.publicKey, {
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: ISSUER,
      algorithms: ['RS256'],
      currentDate: new Date(clock.now()),
    });
    expect(verified.payload.jti).toBe(claims.jti);
  });

  it('takes iat in whole seconds: 999 ms before a second is still the previous one', async () => {
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: rsaPem });
    clock.set(1_700_000_001_000);
    await manager.getToken();
    manager.invalidate();
    clock.set(1_700_000_001_999);
    await manager.getToken();
    manager.invalidate();
    clock.set(1_700_000_002_000);
    await manager.getToken();
    expect(endpoint.requests.map(r => decodeJwt(sentAssertion(r)).iat)).toEqual([1_700_000_001, 1_700_000_001, 1_700_000_002]);
  });

  it('is accepted by a verifier until the second before exp, and refused from exp on', async () => {
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: rsaPem, assertionLifetimeSeconds: 60 });
    clock.set(1_700_000_000_000);
    await manager.getToken();
    const assertion = sentAssertion(endpoint.requests[0]);
    expect(decodeJwt(assertion).exp).toBe(1_700_000_060);
    await expect(jwtVerify(assertion, rsa.publicKey, { currentDate: new Date(1_700_000_059_000) })).resolves.toBeDefined();
    await expect(jwtVerify(assertion, rsa.publicKey, { currentDate: new Date(1_700_000_060_000) })).rejects.toThrow(/exp/);
  });

  it('accepts assertion lifetimes from 1 to 60 s and refuses 0 and 61 at construction', () => {
    for (const seconds of [1, 60]) {
      expect(
        () =>
          new KeycloakTokenManager({
            tokenEndpoint: TOKEN_ENDPOINT,
            clientId: CLIENT_ID,
            privateKey: rsaPem,
            assertionLifetimeSeconds: seconds,
          }),
      ).not.toThrow();
    }
    for (const seconds of [0, 61, 1.5]) {
      expect(construct({ privateKey: rsaPem, assertionLifetimeSeconds: seconds }).message).toMatch(
        /assertionLifetimeSeconds must be a whole number from 1 to 60/,
      );
    }
  });

  it('signs a fresh jti and iat for every attempt, so a retry after a transient failure never reuses one', async () => {
    const { endpoint, clock, manager } = managerFixture({
      ...noSecret,
      privateKey: rsaPem,
      retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 2_000 },
    });
    endpoint.reply([503, { error: 'temporarily_unavailable' }], [503, {}]);
    const token = manager.getToken();
    await clock.advance(10_000);
    await expect(token).resolves.toBe('token-1');
    const claims = endpoint.requests.map(r => decodeJwt(sentAssertion(r)));
    expect(claims).toHaveLength(3);
    expect(new Set(claims.map(c => c.jti)).size).toBe(3);
    // random() = 0.5 → each wait is 1 s.
    expect(claims.map(c => c.iat! - claims[0].iat!)).toEqual([0, 1, 2]);
  });

  const algorithms: Array<
    [string, { privateKey: KeyObject | string | object; publicKey: KeyObject }, string, Partial<KeycloakTokenManagerOptions>]
  > = [
    ['an EC P-256 KeyObject', ec256, 'ES256', {}],
    ['an EC P-384 KeyObject', ec384, 'ES384', {}],
    ['an Ed25519 KeyObject', ed, 'EdDSA', {}],
    ['an RSA key with signingAlgorithm PS256', rsa, 'PS256', { signingAlgorithm: 'PS256' }],
    ['an RSA key with signingAlgorithm RS512', rsa, 'RS512', { signingAlgorithm: 'RS512' }],
  ];
  it.each(algorithms)('signs with %s as %s, verifiably', async (_label, pair, alg, extra) => {
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: pair.privateKey as KeyObject, ...extra });
    await manager.getToken();
    const assertion = sentAssertion(endpoint.requests[0]);
    expect(decodeProtectedHeader(assertion).alg).toBe(alg);
    await expect(
      jwtVerify(assertion, pair.publicKey, { algorithms: [alg], currentDate: new Date(clock.now()) }),
    ).resolves.toBeDefined();
  });

  it('takes a private JWK, with its kid as the default privateKeyId', async () => {
    const jwk = { ...ec256.privateKey.export({ format: 'jwk' }), kid: 'from-jwk' };
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: jwk });
    await manager.getToken();
    const assertion = sentAssertion(endpoint.requests[0]);
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'ES256', kid: 'from-jwk' });
    await expect(jwtVerify(assertion, ec256.publicKey, { currentDate: new Date(clock.now()) })).resolves.toBeDefined();
  });

  it("uses a JWK's alg as the default signingAlgorithm, and an explicit signingAlgorithm over it", async () => {
    const jwk = { ...rsa.privateKey.export({ format: 'jwk' }), alg: 'PS256' };
    const fromJwk = managerFixture({ ...noSecret, privateKey: jwk });
    const explicit = managerFixture({ ...noSecret, privateKey: jwk, signingAlgorithm: 'RS384' });
    await Promise.all([fromJwk.manager.getToken(), explicit.manager.getToken()]);
    expect(decodeProtectedHeader(sentAssertion(fromJwk.endpoint.requests[0])).alg).toBe('PS256');
    expect(decodeProtectedHeader(sentAssertion(explicit.endpoint.requests[0])).alg).toBe('RS384');
  });

  it('uses assertionAudience when set, and the token endpoint itself when it is not Keycloak-shaped', async () => {
    const custom = managerFixture({ ...noSecret, privateKey: rsaPem, assertionAudience: TOKEN_ENDPOINT });
    await custom.manager.getToken();
    expect(decodeJwt(sentAssertion(custom.endpoint.requests[0])).aud).toBe(TOKEN_ENDPOINT);

    const other = 'https://login.example.test/oauth2/token';
    const manager = new KeycloakTokenManager({
      tokenEndpoint: other,
      clientId: CLIENT_ID,
      privateKey: rsaPem,
      httpClient: custom.endpoint.http,
    });
    custom.endpoint.mock.onPost(other).replyOnce(200, { access_token: 'x', expires_in: 300 });
    await manager.getToken();
    const sent = custom.endpoint.mock.history.post.find(r => r.url === other);
    expect(decodeJwt(sentAssertion(sent)).aud).toBe(other);
  });

  it('calls a privateKey function per token request (rotation), each assertion signed by the key it returned', async () => {
    let current: KeyObject = rsa.privateKey;
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: () => current });
    await manager.getToken();
    current = ec256.privateKey;
    manager.invalidate();
    await manager.getToken();
    const [first, second] = endpoint.requests.map(sentAssertion);
    const at = { currentDate: new Date(clock.now()) };
    await expect(jwtVerify(first, rsa.publicKey, { ...at, algorithms: ['RS256'] })).resolves.toBeDefined();
    await expect(jwtVerify(second, ec256.publicKey, { ...at, algorithms: ['ES256'] })).resolves.toBeDefined();
  });

  it('turns a failing privateKey function into CLIENT_ASSERTION_UNAVAILABLE, sends nothing and does not remember it', async () => {
    let fail = true;
    const { endpoint, manager } = managerFixture({
      ...noSecret,
      privateKey: () => {
        if (fail) throw new Error('vault down');
        return rsaPem;
      },
    });
    const error = await manager.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'CLIENT_ASSERTION_UNAVAILABLE', transient: false });
    expect((error as Error).message).toMatch(/not sent: the privateKey function failed/);
    expect(endpoint.count).toBe(0);
    fail = false;
    await expect(manager.getToken()).resolves.toBe('token-1');
  });

  it('refuses, at construction, keys that cannot sign and never quotes them', () => {
    const publicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const cases: Array<[unknown, RegExp]> = [
      [`${rsaPem.slice(0, 200)}garbage${rsaPem.slice(-40)}`, /privateKey could not be read as a private key/],
      ['not a key at all', /privateKey could not be read as a private key/],
      [publicPem, /PEM but not a private key/],
      [ec256.publicKey.export({ format: 'jwk' }), /public JWK/],
      [rsa.publicKey, /public KeyObject/],
      [weak, /1024 bits; at least 2048/],
      [42, /must be PKCS#8 PEM text/],
    ];
    for (const [privateKey, message] of cases) {
      const error = construct({ privateKey: privateKey as string });
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('MII');
      expect(error.cause).toBeUndefined();
    }
  });

  it('refuses a signingAlgorithm that does not fit the key, or an HMAC one', () => {
    expect(construct({ privateKey: rsaPem, signingAlgorithm: 'ES256' }).message).toMatch(
      /is an RSA key, which cannot sign ES256; use RS256/,
    );
    expect(construct({ privateKey: ec256.privateKey, signingAlgorithm: 'ES384' }).message).toMatch(
      /EC key on prime256v1, which cannot sign ES384/,
    );
    expect(construct({ privateKey: rsaPem, signingAlgorithm: 'HS256' }).message).toMatch(/private_key_jwt must be one of RS256/);
  });

  it('explains invalid_client with what to check: key registration, authenticator, aud and the clock with its skew', async () => {
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: rsaPem });
    clock.set(Date.parse('2026-01-01T12:00:00Z'));
    endpoint.reply([
      401,
      { error: 'invalid_client', error_description: 'invalid signature' },
      { date: 'Thu, 01 Jan 2026 12:00:42 GMT' },
    ]);
    const error = (await manager.getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(error.error).toBe('invalid_client');
    expect(error.message).toContain('Client Authenticator "Signed JWT"');
    expect(error.message).toContain(`aud ${ISSUER}`);
    expect(error.message).toContain('local time is 2026-01-01T12:00:00.000Z');
    expect(error.message).toContain('this host is 42 s behind');
    expect(error.message).not.toMatch(/client id and secret/);
  });

  it('says the clock is ahead when the server Date is earlier, and leaves the skew out without a Date', async () => {
    const { endpoint, clock, manager } = managerFixture({ ...noSecret, privateKey: rsaPem, failureCooldownMs: 0 });
    clock.set(Date.parse('2026-01-01T12:00:00Z'));
    endpoint.reply(
      [401, { error: 'invalid_client' }, { date: 'Thu, 01 Jan 2026 11:59:40 GMT' }],
      [401, { error: 'invalid_client' }],
    );
    expect(((await manager.getToken().catch((e: unknown) => e)) as Error).message).toContain('this host is 20 s ahead');
    const withoutDate = (await manager.getToken().catch((e: unknown) => e)) as Error;
    expect(withoutDate.message).toContain('local time is 2026-01-01T12:00:00.000Z');
    expect(withoutDate.message).not.toContain("server's Date");
  });
});

describe('client_secret_jwt', () => {
  it('signs HS256 with the client secret and never sends the secret itself', async () => {
    const { endpoint, clock, manager } = managerFixture({ clientAuthentication: 'client_secret_jwt' });
    await manager.getToken();
    const [request] = endpoint.requests;
    expect(String(request.data)).not.toContain(CLIENT_SECRET);
    expect(String(request.data)).not.toContain(encodeURIComponent(CLIENT_SECRET));
    expect(request.headers?.Authorization).toBeUndefined();
    const form = sentForm(request);
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(form.get('client_assertion_type')).toBe(JWT_BEARER);
    const assertion = sentAssertion(request);
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(assertion, new TextEncoder().encode(CLIENT_SECRET), {
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: ISSUER,
      currentDate: new Date(clock.now()),
    });
    expect(payload.exp! - payload.iat!).toBe(30);
  });

  it('signs HS512 when asked, and with the rotated secret a clientSecret function returns', async () => {
    let secret = 'first-secret-0123456789-0123456789-0123456789-0123456789-0123';
    const { endpoint, clock, manager } = managerFixture({
      clientAuthentication: 'client_secret_jwt',
      signingAlgorithm: 'HS512',
      clientSecret: () => secret,
    });
    await manager.getToken();
    const old = secret;
    secret = 'second-secret-0123456789-0123456789-0123456789-0123456789-012';
    manager.invalidate();
    await manager.getToken();
    const [first, second] = endpoint.requests.map(sentAssertion);
    const at = { currentDate: new Date(clock.now()), algorithms: ['HS512'] };
    await expect(jwtVerify(first, new TextEncoder().encode(old), at)).resolves.toBeDefined();
    await expect(jwtVerify(second, new TextEncoder().encode(secret), at)).resolves.toBeDefined();
    await expect(jwtVerify(second, new TextEncoder().encode(old), at)).rejects.toThrow(/signature/);
  });

  it('keeps CLIENT_SECRET_UNAVAILABLE for a failing clientSecret function', async () => {
    const { endpoint, manager } = managerFixture({
      clientAuthentication: 'client_secret_jwt',
      clientSecret: () => Promise.reject(new Error('no secret')),
    });
    await expect(manager.getToken()).rejects.toMatchObject({ code: 'CLIENT_SECRET_UNAVAILABLE' });
    expect(endpoint.count).toBe(0);
  });

  it('refuses an asymmetric signingAlgorithm', () => {
    expect(
      construct({ clientSecret: 's', clientAuthentication: 'client_secret_jwt', signingAlgorithm: 'RS256' }).message,
    ).toMatch(/client_secret_jwt must be one of HS256, HS384, HS512/);
  });
});

describe('client_assertion', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kagenti-assertion-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sends the assertion a function returns, as is, without client_id, secret or Authorization', async () => {
    const external = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:team1:boost' })).toString('base64url')}.c2ln`;
    const { endpoint, manager } = managerFixture({ ...noSecret, clientAssertion: () => `${external}\n` });
    await manager.getToken();
    const [request] = endpoint.requests;
    const form = sentForm(request);
    expect([...form.keys()].sort()).toEqual(['client_assertion', 'client_assertion_type', 'grant_type']);
    expect(form.get('client_assertion')).toBe(external);
    expect(form.get('client_assertion_type')).toBe(JWT_BEARER);
    expect(request.headers?.Authorization).toBeUndefined();
  });

  it('asks the function again for every token request', async () => {
    let n = 0;
    const { endpoint, manager } = managerFixture({ ...noSecret, clientAssertion: async () => `assertion-${++n}` });
    await manager.getToken();
    manager.invalidate();
    await manager.getToken();
    expect(endpoint.requests.map(r => sentForm(r).get('client_assertion'))).toEqual(['assertion-1', 'assertion-2']);
  });

  it.each<[string, () => string | Promise<string>]>([
    [
      'throws',
      () => {
        throw new Error('no token');
      },
    ],
    ['returns an empty string', () => '  '],
    ['returns a non-string', () => undefined as unknown as string],
  ])('gives CLIENT_ASSERTION_UNAVAILABLE, sends nothing and remembers nothing when the function %s', async (_label, source) => {
    let broken = true;
    const { endpoint, manager } = managerFixture({ ...noSecret, clientAssertion: () => (broken ? source() : 'good') });
    await expect(manager.getToken()).rejects.toMatchObject({ code: 'CLIENT_ASSERTION_UNAVAILABLE', transient: false });
    expect(endpoint.count).toBe(0);
    broken = false;
    await expect(manager.getToken()).resolves.toBe('token-1');
  });

  it('reads clientAssertionFile for every token request, so a rotated projected token is picked up', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'projected-1\n');
    const { endpoint, manager } = managerFixture({ ...noSecret, clientAssertionFile: file });
    await manager.getToken();
    writeFileSync(file, 'projected-2');
    manager.invalidate();
    await manager.getToken();
    expect(endpoint.requests.map(r => sentForm(r).get('client_assertion'))).toEqual(['projected-1', 'projected-2']);
  });

  it('gives CLIENT_ASSERTION_UNAVAILABLE naming the file when it is missing or empty, and reads it again next time', async () => {
    const file = path.join(dir, `missing-${randomUUID()}`);
    const { endpoint, manager } = managerFixture({ ...noSecret, clientAssertionFile: file, failureCooldownMs: 60_000 });
    const missing = (await manager.getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(missing).toMatchObject({ code: 'CLIENT_ASSERTION_UNAVAILABLE' });
    expect(missing.message).toContain(`clientAssertionFile ${file} could not be read (ENOENT)`);
    writeFileSync(file, '\n');
    await expect(manager.getToken()).rejects.toThrow(/is empty/);
    expect(endpoint.count).toBe(0);
    writeFileSync(file, 'now-there');
    await expect(manager.getToken()).resolves.toBe('token-1');
  });
});

describe('choosing the method', () => {
  it('defaults to private_key_jwt with privateKey, client_assertion with an assertion source, basic otherwise', async () => {
    const key = managerFixture({ ...noSecret, privateKey: rsaPem });
    const assertion = managerFixture({ ...noSecret, clientAssertion: () => 'a' });
    const secret = managerFixture();
    await Promise.all([key.manager.getToken(), assertion.manager.getToken(), secret.manager.getToken()]);
    expect(decodeJwt(sentAssertion(key.endpoint.requests[0])).iss).toBe(CLIENT_ID);
    expect(sentForm(assertion.endpoint.requests[0]).get('client_assertion')).toBe('a');
    expect(String(secret.endpoint.requests[0].headers?.Authorization)).toMatch(/^Basic /);
  });

  it.each<[string, Partial<KeycloakTokenManagerOptions>, RegExp]>([
    [
      'clientSecret with privateKey',
      { clientSecret: 's', privateKey: rsaPem },
      /private_key_jwt uses privateKey, so clientSecret must not be set as well/,
    ],
    [
      'clientSecret with clientAssertion',
      { clientSecret: 's', clientAssertion: () => 'a' },
      /client_assertion uses clientAssertion or clientAssertionFile, so clientSecret must not be set/,
    ],
    [
      'both assertion sources',
      { clientAssertion: () => 'a', clientAssertionFile: '/x' },
      /client_assertion takes one of clientAssertion and clientAssertionFile, not both/,
    ],
    [
      'private_key_jwt with a secret',
      { clientAuthentication: 'private_key_jwt', clientSecret: 's' },
      /private_key_jwt uses privateKey, so clientSecret must not be set/,
    ],
    ['private_key_jwt without a key', { clientAuthentication: 'private_key_jwt' }, /private_key_jwt needs privateKey/],
    ['client_secret_jwt without a secret', { clientAuthentication: 'client_secret_jwt' }, /client_secret_jwt needs clientSecret/],
    [
      'client_assertion without a source',
      { clientAuthentication: 'client_assertion' },
      /client_assertion needs clientAssertion or clientAssertionFile/,
    ],
    ['no credential at all', {}, /client_secret_basic needs clientSecret/],
    ['an empty clientSecret', { clientSecret: '' }, /clientSecret must be a non-empty string/],
    ['an unknown method', { clientSecret: 's', clientAuthentication: 'nope' as never }, /clientAuthentication must be one of/],
    [
      'assertionAudience with client_assertion',
      { clientAssertion: () => 'a', assertionAudience: 'x' },
      /assertionAudience applies to private_key_jwt and client_secret_jwt only/,
    ],
    [
      'signingAlgorithm with client_secret_basic',
      { clientSecret: 's', signingAlgorithm: 'HS256' },
      /signingAlgorithm applies to private_key_jwt and client_secret_jwt only, not client_secret_basic/,
    ],
    [
      'privateKeyId with client_secret_jwt',
      { clientSecret: 's', clientAuthentication: 'client_secret_jwt', privateKeyId: 'k' },
      /privateKeyId applies to private_key_jwt only/,
    ],
    ['a clientAssertion that is not a function', { clientAssertion: 'a' as never }, /clientAssertion must be a function/],
  ])('refuses %s with a TypeError that names the options', (_label, options, message) => {
    const error = construct(options);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
  });
});
