// Signed-JWT client authentication against a real OAuth2 server (oidc-provider at Keycloak's
// path), which verifies every assertion itself: signature against the client's registered
// public JWKS (RSA and EC, generated here) or HMAC secret, aud, exp and single-use jti. And
// `client_assertion` against a node:http token endpoint that checks every form field.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import axios from 'axios';
import { KeycloakTokenManager, TokenRequestError, type KeycloakTokenManagerOptions } from '../../lib';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });

let server: TokenServerHandle;
let unhandled: ReturnType<typeof trackUnhandledRejections>;
const managers: KeycloakTokenManager[] = [];

beforeAll(async () => {
  unhandled = trackUnhandledRejections();
  server = await startTokenServer({
    keyClients: {
      rsa: { id: 'kagenti-jwt-rsa', jwks: { keys: [publicJwk(rsa.publicKey, 'rsa-1')] } },
      ec: { id: 'kagenti-jwt-ec', jwks: { keys: [publicJwk(ec.publicKey, 'ec-1')] } },
    },
  });
}, 20_000);

afterAll(async () => {
  for (const manager of managers) manager.close();
  await server?.stop();
  unhandled?.dispose();
});

beforeEach(() => server.reset());
afterEach(() => expect(unhandled.reasons).toEqual([]));

/** A manager on the real server; `sent` collects the form bodies it posted. */
function manager(options: Partial<KeycloakTokenManagerOptions> & { clientId: string }): {
  manager: KeycloakTokenManager;
  sent: string[];
} {
  const sent: string[] = [];
  const httpClient = axios.create({ proxy: false });
  httpClient.interceptors.request.use(config => {
    sent.push(String(config.data));
    return config;
  });
  const created = new KeycloakTokenManager({ tokenEndpoint: server.tokenEndpoint, httpClient, retry: false, ...options });
  managers.push(created);
  return { manager: created, sent };
}

describe('private_key_jwt against oidc-provider', () => {
  it.each([
    ['an RSA key (RS256)', 'rsa', rsa.privateKey, 'rsa-1', 'RS256'],
    ['an EC P-256 key (ES256)', 'ec', ec.privateKey, 'ec-1', 'ES256'],
  ] as const)('gets a token with %s that the server issued to that client', async (_label, name, privateKey, kid, alg) => {
    const clientId = server.keyClients[name].id;
    const { manager: tokens } = manager({ clientId, privateKey, privateKeyId: kid });
    const token = await tokens.getToken();
    await expect(server.introspect(token)).resolves.toMatchObject({ active: true, client_id: clientId });
    const [request] = (await server.stats()).tokenRequests.log;
    expect(request).toMatchObject({
      clientId,
      authMethod: 'client_assertion',
      status: 200,
      assertion: { alg, kid, aud: server.issuer },
    });
  });

  it('refuses a reused jti: replaying an accepted request fails, while the library signs a new one each time', async () => {
    const clientId = server.keyClients.rsa.id;
    const { manager: tokens, sent } = manager({ clientId, privateKey: rsa.privateKey });
    await tokens.getToken();
    const replay = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sent[0],
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_client' });
    tokens.invalidate();
    await expect(tokens.getToken()).resolves.toEqual(expect.any(String));
    const jtis = (await server.stats()).tokenRequests.log.map(entry => entry.assertion?.jti);
    expect(jtis[0]).toBe(jtis[1]);
    expect(jtis[2]).not.toBe(jtis[0]);
  });

  it('surfaces a replayed assertion as invalid_client with the advice', async () => {
    const clientId = server.keyClients.rsa.id;
    const { manager: first, sent } = manager({ clientId, privateKey: rsa.privateKey });
    await first.getToken();
    const used = new URLSearchParams(sent[0]).get('client_assertion')!;
    const { manager: replaying } = manager({ clientId, clientAssertion: () => used });
    const error = (await replaying.getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR', error: 'invalid_client' });
    expect(error.message).toMatch(/federated client authentication/);
    expect(error.message).not.toContain(used);
  });

  it('retries a transient failure with a fresh jti on every attempt', async () => {
    const clientId = server.keyClients.ec.id;
    await server.setFault({ mode: 'fail-then-recover', times: 2, status: 503 });
    const { manager: tokens } = manager({
      clientId,
      privateKey: ec.privateKey,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    await expect(tokens.getToken()).resolves.toEqual(expect.any(String));
    const log = (await server.stats()).tokenRequests.log;
    expect(log.map(entry => entry.status)).toEqual([503, 503, 200]);
    expect(new Set(log.map(entry => entry.assertion?.jti)).size).toBe(3);
  });

  it('answers a wrong key with invalid_client and says what to check, the clock and its skew included', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const { manager: tokens } = manager({ clientId: server.keyClients.rsa.id, privateKey: other, privateKeyId: 'rsa-1' });
    const error = (await tokens.getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR', error: 'invalid_client', status: 401 });
    expect(error.message).toContain('Client Authenticator "Signed JWT"');
    expect(error.message).toContain(`aud ${server.issuer}`);
    expect(error.message).toMatch(/local time is \d{4}-\d\d-\d\dT/);
    expect(error.message).toMatch(/server's Date|the same second as the server's Date/);
  });
});

describe('client_secret_jwt against oidc-provider', () => {
  it('gets a token with an HS256 assertion, the secret never on the wire', async () => {
    const { id, secret } = server.clients.secretJwt;
    const { manager: tokens, sent } = manager({ clientId: id, clientSecret: secret, clientAuthentication: 'client_secret_jwt' });
    const token = await tokens.getToken();
    await expect(server.introspect(token)).resolves.toMatchObject({ active: true, client_id: id });
    expect(sent[0]).not.toContain(secret);
    expect((await server.stats()).tokenRequests.log[0]).toMatchObject({
      authMethod: 'client_assertion',
      assertion: { alg: 'HS256' },
    });
  });

  it('answers a wrong secret with invalid_client and the client_secret_jwt advice', async () => {
    const { manager: tokens } = manager({
      clientId: server.clients.secretJwt.id,
      clientSecret: 'not-the-secret',
      clientAuthentication: 'client_secret_jwt',
    });
    const error = (await tokens.getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(error).toMatchObject({ error: 'invalid_client' });
    expect(error.message).toContain('"Signed JWT with Client Secret"');
  });
});

describe('client_assertion against a token endpoint that checks the form', () => {
  let endpoint: Server;
  let url: string;
  let dir: string;
  const seen: Array<{ assertion: string | null; problems: string[] }> = [];

  beforeAll(async () => {
    endpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const problems: string[] = [];
        if (req.method !== 'POST') problems.push('not POST');
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') problems.push('content-type');
        if (req.headers.authorization !== undefined) problems.push('an Authorization header');
        if (form.get('grant_type') !== 'client_credentials') problems.push('grant_type');
        if (form.get('client_assertion_type') !== JWT_BEARER) problems.push('client_assertion_type');
        for (const absent of ['client_id', 'client_secret']) if (form.has(absent)) problems.push(absent);
        seen.push({ assertion: form.get('client_assertion'), problems });
        res.setHeader('content-type', 'application/json');
        res.statusCode = problems.length === 0 ? 200 : 400;
        res.end(
          JSON.stringify(
            problems.length === 0
              ? { access_token: `token-${seen.length}`, token_type: 'Bearer', expires_in: 300 }
              : { error: 'invalid_request', error_description: problems.join(', ') },
          ),
        );
      });
    });
    await new Promise<void>(resolve => endpoint.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/realms/kagenti/protocol/openid-connect/token`;
    dir = mkdtempSync(path.join(tmpdir(), 'kagenti-projected-'));
  });

  afterAll(async () => {
    await new Promise(resolve => endpoint.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the file as is and reads it again after it was rewritten (a rotated projected token)', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.first.sig\n');
    const tokens = new KeycloakTokenManager({
      tokenEndpoint: url,
      clientId: 'boost',
      clientAssertionFile: file,
      httpClient: axios.create({ proxy: false }),
    });
    managers.push(tokens);
    await expect(tokens.getToken()).resolves.toBe('token-1');
    writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.second.sig');
    tokens.invalidate();
    await expect(tokens.getToken()).resolves.toBe('token-2');
    expect(seen).toEqual([
      { assertion: 'eyJhbGciOiJSUzI1NiJ9.first.sig', problems: [] },
      { assertion: 'eyJhbGciOiJSUzI1NiJ9.second.sig', problems: [] },
    ]);
  });
});
