import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { installKeycloakAuth, type ClientAuthentication } from '../lib';
import { findLeak, secretForms, serializeEveryWay } from './helpers/secretScan';
import { CLIENT_ID, TOKEN_ENDPOINT, managerFixture, type MockReply } from './helpers/tokenEndpointMock';

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
