// The instruments against real servers: an oidc-provider token server laid out like a Keycloak
// realm and a fake Kagenti API that introspects every token, with a real OpenTelemetry SDK.
// The metric counts are checked against what the token server itself counted.
import axios from 'axios';
import { KagentiApiClient, KeycloakTokenManager, TELEMETRY_NAMES } from '../../lib';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { startKagentiServer, type KagentiServerHandle } from '../../test-servers/startKagentiServer';
import { findLeak, secretForms } from '../helpers/secretScan';
import { TelemetryHarness } from '../helpers/TelemetryHarness';

let tokenServer: TokenServerHandle;
let kagenti: KagentiServerHandle;
let harness: TelemetryHarness;
const managers: KeycloakTokenManager[] = [];

beforeAll(async () => {
  tokenServer = await startTokenServer();
  kagenti = await startKagentiServer({
    introspectionEndpoint: tokenServer.introspectionEndpoint,
    introspectionClient: tokenServer.clients.api,
  });
}, 20_000);

afterAll(async () => {
  await Promise.all([tokenServer?.stop(), kagenti?.close()]);
});

beforeEach(async () => {
  await tokenServer.reset();
  kagenti.clear();
  harness = new TelemetryHarness().registerGlobally();
});

afterEach(async () => {
  for (const manager of managers.splice(0)) manager.close();
  await harness.shutdown();
});

function client(secret = tokenServer.clients.basic.secret): { tokens: KeycloakTokenManager; api: KagentiApiClient } {
  const tokens = new KeycloakTokenManager({
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: tokenServer.clients.basic.id,
    clientSecret: secret,
    httpClient: axios.create({ proxy: false }),
    retry: false,
  });
  managers.push(tokens);
  const api = new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: tokens });
  api.axios.defaults.proxy = false;
  return { tokens, api };
}

const listAgents = (api: KagentiApiClient) =>
  api.requestCore({ method: 'GET', path: '/api/v1/agents', query: { namespace: 'team1' }, userRef: 'user:default/jsmith' });

describe('telemetry against real servers', () => {
  it('counts as many token requests as the token server saw, through a cold burst and a revoked token', async () => {
    const { tokens, api } = client();
    await Promise.all(Array.from({ length: 20 }, () => listAgents(api)));
    const first = tokens.getCachedToken()!;
    kagenti.revoke(first);
    await Promise.all(Array.from({ length: 10 }, () => listAgents(api)));

    const seen = (await tokenServer.stats()).tokenRequests.total;
    expect(seen).toBe(2);
    expect(await harness.count(TELEMETRY_NAMES.tokenRequests, { outcome: 'success' })).toBe(seen);
    expect(await harness.count(TELEMETRY_NAMES.retries, { outcome: 'success' })).toBe(10);
    expect(await harness.count(TELEMETRY_NAMES.tokenLookups, { source: 'fetched' })).toBe(2);
    // 30 requests plus the 10 retries, each asking for a token once (getCachedToken; the direct one above too).
    expect(await harness.count(TELEMETRY_NAMES.tokenLookups)).toBe(41);
    expect(harness.spans(TELEMETRY_NAMES.fetchSpan)).toHaveLength(2);
  }, 20_000);

  it('records a wrong secret as a failed request with its error code, and leaks neither secret nor token', async () => {
    const wrong = 'wr0ng:S3cret%+ /=?&-telemetry';
    const { api } = client(wrong);
    await expect(listAgents(api)).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR' });
    const good = client();
    await listAgents(good.api);

    expect(
      await harness.count(TELEMETRY_NAMES.tokenRequests, { outcome: 'failure', 'error.type': 'TOKEN_ENDPOINT_OAUTH_ERROR' }),
    ).toBe(1);
    const exported = JSON.stringify({
      points: (await harness.points()).map(point => [point.name, point.attributes]),
      spans: harness.spans().map(span => [span.name, span.attributes, span.status, span.events]),
    });
    const forbidden = [
      ...secretForms(tokenServer.clients.basic.id, wrong),
      ...secretForms(tokenServer.clients.basic.id, tokenServer.clients.basic.secret),
      good.tokens.getCachedToken()!,
      tokenServer.tokenEndpoint,
      'jsmith',
    ];
    expect(findLeak(exported, forbidden)).toBeUndefined();
  }, 20_000);
});
