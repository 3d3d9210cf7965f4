// The example plugin against the real OAuth2 server (oidc-provider, laid out like a Keycloak
// realm) and the Kagenti stand-in that introspects every token: what the servers saw, not the library.
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { kagentiProviderPlugin } from '../../examples/backstage/kagentiProviderPlugin';
import { startKagentiServer, type KagentiServerHandle } from '../../test-servers/startKagentiServer';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { startLoopbackBackend, type LoopbackBackend } from './helpers/startLoopbackBackend';

let tokenServer: TokenServerHandle;
let kagenti: KagentiServerHandle;

beforeAll(async () => {
  tokenServer = await startTokenServer();
  kagenti = await startKagentiServer({
    introspectionEndpoint: tokenServer.introspectionEndpoint,
    introspectionClient: tokenServer.clients.api,
  });
}, 30_000);

afterAll(async () => {
  await kagenti.close();
  await tokenServer.stop();
});

async function withBackend(secret: string, run: (started: LoopbackBackend) => Promise<void>): Promise<void> {
  const started = await startLoopbackBackend({
    features: [kagentiProviderPlugin],
    config: {
      boost: {
        kagenti: {
          auth: { tokenEndpoint: tokenServer.tokenEndpoint, clientId: tokenServer.clients.basic.id, clientSecret: secret },
        },
        providers: { kagenti: { baseUrl: kagenti.url } },
      },
    },
  });
  try {
    await run(started);
  } finally {
    await started.backend.stop();
  }
}

describe('the example plugin with a real OAuth2 server', () => {
  it('lists agents with an introspected service-account token and the user forwarded, one token for many calls', async () => {
    await withBackend(tokenServer.clients.basic.secret, async ({ server }) => {
      await tokenServer.reset();
      kagenti.clear();
      const header = mockCredentials.user.header('user:default/jane');

      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(server).get('/api/kagenti-provider/agents?namespace=team1').set('Authorization', header),
        ),
      );

      expect(responses.map(r => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect((responses[0].body as { agents: Array<{ namespace: string }> }).agents[0].namespace).toBe('team1');
      expect(kagenti.requests.map(r => [r.status, r.backstageUser])).toEqual(Array(5).fill([200, 'user:default/jane']));
      expect((await tokenServer.stats()).tokenRequests.total).toBe(1);
    });
  });

  it('answers 503, not 401, when Keycloak refuses the client secret', async () => {
    await withBackend('not-the-secret', async ({ server }) => {
      const response = await request(server)
        .get('/api/kagenti-provider/agents')
        .set('Authorization', mockCredentials.user.header());

      expect(response.status).toBe(503);
      expect((response.body as { error: { name: string; message: string } }).error).toMatchObject({
        name: 'ServiceUnavailableError',
        message: expect.stringMatching(/TOKEN_ENDPOINT_OAUTH_ERROR/),
      });
      expect(response.text).not.toContain('not-the-secret');
      expect(response.text).not.toContain(String(tokenServer.port));
    });
  });
});
