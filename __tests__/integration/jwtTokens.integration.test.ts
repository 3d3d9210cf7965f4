// The same client against a token server that issues JWT access tokens (RS256, `typ: at+jwt`),
// checked by the fake Kagenti API against the token server's JWKS rather than by introspection.
import axios from 'axios';
import { KagentiApiClient, KeycloakTokenManager } from '../../lib';
import { startKagentiServer, type KagentiServerHandle } from '../../test-servers/startKagentiServer';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

let tokenServer: TokenServerHandle;
let kagenti: KagentiServerHandle;
let unhandled: ReturnType<typeof trackUnhandledRejections>;
const managers: KeycloakTokenManager[] = [];

beforeAll(async () => {
  unhandled = trackUnhandledRejections();
  tokenServer = await startTokenServer({ format: 'jwt' });
  kagenti = await startKagentiServer({
    introspectionEndpoint: tokenServer.introspectionEndpoint,
    introspectionClient: tokenServer.clients.api,
    jwksUri: tokenServer.jwksUri,
    issuer: tokenServer.issuer,
  });
}, 20_000);

afterAll(async () => {
  for (const manager of managers) manager.close();
  await Promise.all([tokenServer?.stop(), kagenti?.close()]);
  unhandled?.dispose();
});

beforeEach(async () => {
  await tokenServer.reset();
  kagenti.clear();
});

afterEach(() => {
  expect(unhandled.reasons).toEqual([]);
});

function client(): { client: KagentiApiClient; manager: KeycloakTokenManager } {
  const manager = new KeycloakTokenManager({
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: tokenServer.clients.basic.id,
    clientSecret: tokenServer.clients.basic.secret,
    httpClient: axios.create({ proxy: false }),
  });
  managers.push(manager);
  const api = new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager });
  api.axios.defaults.proxy = false;
  return { client: api, manager };
}

const decodePart = (jwt: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('with JWT access tokens', () => {
  it('fetches one signed JWT and reuses it across requests the API verifies against the JWKS', async () => {
    const { client: api } = client();
    for (let i = 0; i < 5; i++) {
      const response = await api.requestCore({ method: 'GET', path: '/api/v1/agents', query: { namespace: 'team1' } });
      expect(response.status).toBe(200);
    }
    expect((await tokenServer.stats()).tokenRequests.total).toBe(1);
    const tokens = new Set(kagenti.tokensSeen);
    expect(tokens.size).toBe(1);
    const [jwt] = [...tokens];
    expect(decodePart(jwt, 0)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(decodePart(jwt, 1)).toMatchObject({ iss: tokenServer.issuer });
  });

  it('heals a JWT the API has stopped accepting with one refetch and one retry', async () => {
    const { client: api, manager } = client();
    const first = await manager.getToken();
    kagenti.revoke(first);
    const response = await api.requestCore({ method: 'GET', path: '/api/v1/tools' });
    expect(response.status).toBe(200);
    expect(kagenti.requests.map(request => request.status)).toEqual([401, 200]);
    expect(kagenti.tokensSeen[1]).not.toBe(first);
    expect((await tokenServer.stats()).tokenRequests.total).toBe(2);
  });
});
