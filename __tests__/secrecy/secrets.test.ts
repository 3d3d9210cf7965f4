import { generateKeyPairSync } from 'node:crypto';
import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import {
  installKeycloakAuth,
  KeycloakTokenManager,
  TokenRequestError,
  type ClientAuthentication,
  type KeycloakTokenManagerOptions,
} from '../../lib';
import { findLeak, jwkPrivateValues, jwtForms, pemForms, secretForms, serializeEveryWay } from '../helpers/secretScan';
import { CLIENT_ID, TOKEN_ENDPOINT, managerFixture, type MockReply } from '../helpers/tokenEndpointMock';

// Printable, with every character that form-encoding changes, so each encoded form differs.
const SECRET = 'Zq9:s3cr%t+ /=?&é-Secret';
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.leaky-access-token.c2lnbmF0dXJl';

type FailurePath = [string, () => MockReply | Promise<MockReply>];

const echo = `client_id=${CLIENT_ID}&client_secret=${encodeURIComponent(SECRET)}`;
const failurePaths: FailurePath[] = [
  [
    'an OAuth error whose description echoes the secret',
    () => [401, { error: 'invalid_client', error_description: `bad secret ${SECRET}` }],
  ],
  [
    'an OAuth error whose description echoes the request body',
    () => [400, { error: 'invalid_request', error_description: echo }],
  ],
  ['a 500 page echoing the secret', () => [500, `<html>${SECRET}</html>`, { 'content-type': 'text/html' }]],
  ['an HTML 200 echoing the secret', () => [200, `<html>${SECRET}</html>`, { 'content-type': 'text/html' }]],
  [
    'a redirect whose Location carries the secret',
    () => [302, '', { location: `https://evil.test/?s=${encodeURIComponent(SECRET)}` }],
  ],
  ['a token with a non-Bearer token_type', () => [200, { access_token: ACCESS_TOKEN, token_type: 'DPoP', expires_in: 300 }]],
  ['a token that is not header-safe', () => [200, { access_token: `${ACCESS_TOKEN}\r\n`, expires_in: 300 }]],
  [
    'a network error whose message quotes the secret',
    () => {
      throw Object.assign(new Error(`socket hang up while sending ${SECRET}`), { code: 'ECONNRESET', config: { data: echo } });
    },
  ],
];

describe.each<ClientAuthentication>(['client_secret_basic', 'client_secret_post'])('secrets, with %s', clientAuthentication => {
  const forbidden = [...secretForms(CLIENT_ID, SECRET), ACCESS_TOKEN, echo];

  it.each(failurePaths)('no error or log line contains the secret or a token: %s', async (_label, reply) => {
    const { endpoint, logger, manager } = managerFixture({ clientSecret: SECRET, clientAuthentication });
    endpoint.reply(reply);
    const error = await manager.getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(findLeak(serializeEveryWay(error), forbidden)).toBeUndefined();
    expect(findLeak(logger.text(), forbidden)).toBeUndefined();
    // The scan itself must be able to see a leak.
    expect(findLeak(`${serializeEveryWay(new Error(SECRET))}`, forbidden)).toBe(SECRET);
  });

  it('redacts even a very short secret that the server echoes', async () => {
    const { endpoint, logger, manager } = managerFixture({ clientSecret: 'k9!', clientAuthentication });
    endpoint.reply([401, { error: 'invalid_client', error_description: 'secret k9! is wrong' }]);
    const error = await manager.getToken().catch((e: unknown) => e);
    expect(serializeEveryWay(error)).not.toContain('k9!');
    expect(logger.text()).not.toContain('k9!');
    expect((error as Error).message).toContain('[REDACTED]');
  });

  it("a hung endpoint's timeout error holds no secret", async () => {
    const { endpoint, clock, manager } = managerFixture({ clientSecret: SECRET, clientAuthentication, timeoutMs: 1_000 });
    endpoint.hold();
    const pending = manager.getToken().catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(findLeak(serializeEveryWay(await pending), forbidden)).toBeUndefined();
  });

  it('API errors after a retry and log lines of a successful flow hold no access token', async () => {
    const { endpoint, logger, manager } = managerFixture({ clientSecret: SECRET, clientAuthentication });
    endpoint.reply(
      [200, { access_token: ACCESS_TOKEN, expires_in: 300 }],
      [200, { access_token: `${ACCESS_TOKEN}-2`, expires_in: 300 }],
    );
    const api = axios.create({ baseURL: 'https://kagenti.test' });
    const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
    apiMock.onGet('/always-401').reply(401, {});
    apiMock.onGet('/boom').reply(500, {});
    installKeycloakAuth(api, manager, { logger });
    const errors = await Promise.all([
      api.get('/always-401').catch((e: unknown) => e),
      api.get('/boom').catch((e: unknown) => e),
    ]);
    expect(endpoint.requests[0].url).toBe(TOKEN_ENDPOINT);
    for (const error of errors) expect(findLeak(serializeEveryWay(error), forbidden)).toBeUndefined();
    expect(findLeak(logger.text(), forbidden)).toBeUndefined();
    expect(logger.lines.length).toBeGreaterThan(0);
  });
});

describe('secrets of the assertion methods', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const ecJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const EXTERNAL = `eyJhbGciOiJSUzI1NiIsImtpZCI6Imt1YmUifQ.${Buffer.from('{"sub":"system:serviceaccount:team1:boost"}').toString('base64url')}.ZXh0ZXJuYWwtc2lnbmF0dXJl`;

  const methods: Array<[string, Partial<KeycloakTokenManagerOptions>, string[]]> = [
    [
      'private_key_jwt with a PEM',
      { clientSecret: undefined, privateKey: rsaPem },
      [...pemForms(rsaPem), ...jwkPrivateValues(rsa.privateKey.export({ format: 'jwk' }))],
    ],
    ['private_key_jwt with a JWK', { clientSecret: undefined, privateKey: ecJwk }, jwkPrivateValues(ecJwk)],
    [
      'client_secret_jwt',
      { clientSecret: SECRET, clientAuthentication: 'client_secret_jwt' },
      [...secretForms(CLIENT_ID, SECRET), ...jwkPrivateValues({ k: Buffer.from(SECRET).toString('base64url') })],
    ],
    ['client_assertion', { clientSecret: undefined, clientAssertion: () => EXTERNAL }, jwtForms(EXTERNAL)],
  ];

  /** Replies that echo what was sent, built from the request the mock just received. */
  const echoes: Array<[string, (assertion: string, body: string) => MockReply]> = [
    [
      'an OAuth error quoting the assertion',
      assertion => [401, { error: 'invalid_client', error_description: `bad assertion ${assertion}` }],
    ],
    [
      'an OAuth error quoting the signature',
      assertion => [401, { error: 'invalid_client', error_description: `sig ${assertion.split('.')[2]}` }],
    ],
    ['an error echoing the body', (_a, body) => [400, { error: 'invalid_request', error_description: body }]],
    ['an HTML 500 echoing the body', (_a, body) => [500, `<html>${body}</html>`, { 'content-type': 'text/html' }]],
    ['a redirect carrying the assertion', assertion => [302, '', { location: `https://evil.test/?a=${assertion}` }]],
  ];

  describe.each(methods)('with %s', (_label, options, material) => {
    it.each(echoes)('no error or log line holds the key, secret or assertion: %s', async (_echo, reply) => {
      const { endpoint, logger, manager } = managerFixture(options);
      endpoint.reply(() => {
        const body = String(endpoint.requests.at(-1)?.data);
        return reply(new URLSearchParams(body).get('client_assertion') ?? '', body);
      });
      const error = await manager.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRequestError);
      const sent = String(endpoint.requests[0].data);
      const assertion = new URLSearchParams(sent).get('client_assertion')!;
      const forbidden = [...material, ...jwtForms(assertion), sent];
      expect(findLeak(serializeEveryWay(error), forbidden)).toBeUndefined();
      expect(findLeak(logger.text(), forbidden)).toBeUndefined();
      // The scan must be able to see each kind of material.
      expect(findLeak(serializeEveryWay(new Error(`x ${assertion} y`)), forbidden)).toBeDefined();
      expect(findLeak(serializeEveryWay(new Error(material[0])), forbidden)).toBe(material[0]);
    });
  });

  it('constructor errors for bad keys hold no part of the key, however they are serialized', () => {
    const damaged = rsaPem.replace(/\n([A-Za-z0-9+/]{20})/, '\n!!$1');
    const publicJwk = { ...ecJwk, d: undefined };
    for (const privateKey of [damaged, publicJwk, { ...ecJwk, crv: 'P-384' }]) {
      let error: unknown;
      try {
        new KeycloakTokenManager({ tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, privateKey: privateKey });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      const forbidden = [
        ...pemForms(damaged).slice(2),
        ...pemForms(rsaPem).slice(2),
        ...jwkPrivateValues(ecJwk),
        ecJwk.x!,
        ecJwk.y!,
      ];
      expect(findLeak(serializeEveryWay(error), forbidden)).toBeUndefined();
    }
  });

  it('CLIENT_ASSERTION_UNAVAILABLE from a failing source holds no assertion text', async () => {
    const { logger, manager } = managerFixture({ clientSecret: undefined, clientAssertion: () => '   ' });
    const error = await manager.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLIENT_ASSERTION_UNAVAILABLE' });
    expect(findLeak(serializeEveryWay(error) + logger.text(), jwtForms(EXTERNAL))).toBeUndefined();
  });
});
