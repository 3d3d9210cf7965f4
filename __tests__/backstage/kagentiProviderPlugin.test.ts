import { mockCredentials } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import request from 'supertest';
import { kagentiProviderPlugin } from '../../examples/backstage/kagentiProviderPlugin';
import { startFakeKagentiApi, type FakeKagentiApi, type FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';
import { secretForms } from '../helpers/secretScan';
import { startLoopbackBackend, type LoopbackBackend } from './helpers/startLoopbackBackend';

const AGENTS = [{ name: 'weather' }, { name: 'travel' }];
const CHAT_EVENTS = [
  { event: 'message', data: { delta: 'Hello' } },
  { event: 'message', data: { delta: ', Jane' } },
  { event: 'done', data: { events: 2 } },
];

let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;
const running: LoopbackBackend[] = [];

const fakes = useFakeKagenti();
beforeAll(() => {
  keycloak = fakes.keycloak();
  kagenti = fakes.kagenti();
});

beforeEach(() => {
  kagenti.respond('GET', '/api/v1/agents', received => ({
    json: { items: AGENTS.map(a => ({ ...a, ns: received.query.namespace })) },
  }));
  kagenti.respond('POST', '/api/v1/agents/weather/chat/stream', { sse: CHAT_EVENTS });
  keycloak.setFault({ mode: 'none' });
});

afterEach(async () => {
  for (const { backend } of running.splice(0)) await backend.stop();
});

function appConfig(overrides: { auth?: JsonObject | null; baseUrl?: string | null } = {}): JsonObject {
  const auth = overrides.auth === undefined ? keycloak.authConfig() : overrides.auth;
  const baseUrl = overrides.baseUrl === undefined ? kagenti.url : overrides.baseUrl;
  return {
    boost: {
      kagenti: auth === null ? {} : { auth },
      providers: { kagenti: baseUrl === null ? {} : { baseUrl } },
    },
  };
}

async function start(config = appConfig(), mode: 'production' | 'development' = 'production'): Promise<LoopbackBackend> {
  // Backstage's error handler picks its rendering from NODE_ENV when it is created.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = mode;
  try {
    const started = await startLoopbackBackend({ features: [kagentiProviderPlugin], config });
    running.push(started);
    return started;
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

function newRequestsSince(count: number) {
  return kagenti.requests.slice(count);
}

describe('the example Kagenti provider plugin', () => {
  it('lists agents as the service account, forwarding the signed-in user', async () => {
    const { server } = await start();
    const before = kagenti.requests.length;

    const response = await request(server)
      .get('/api/kagenti-provider/agents?namespace=team1')
      .set('Authorization', mockCredentials.user.header('user:default/jane'));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      agents: [
        { name: 'weather', ns: 'team1' },
        { name: 'travel', ns: 'team1' },
      ],
    });
    const [sent] = newRequestsSince(before);
    expect(sent.backstageUser).toBe('user:default/jane');
    expect(sent.token !== undefined && keycloak.isActive(sent.token)).toBe(true);
  });

  it('sends no X-Backstage-User for a service principal', async () => {
    const { server } = await start();
    const before = kagenti.requests.length;

    const response = await request(server)
      .get('/api/kagenti-provider/agents')
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('plugin:catalog'),
          targetPluginId: 'kagenti-provider',
        }),
      );

    expect(response.status).toBe(200);
    const [sent] = newRequestsSince(before);
    expect(sent.headers['x-backstage-user']).toBeUndefined();
    expect(sent.token).toBeDefined();
  });

  it('relays a chat reply stream to its end with the user forwarded', async () => {
    const { server } = await start();
    const before = kagenti.requests.length;

    const response = await request(server)
      .post('/api/kagenti-provider/chat')
      .set('Authorization', mockCredentials.user.header('user:default/jane'))
      .send({ agent: 'weather', message: 'Hi' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.text).toBe(CHAT_EVENTS.map(e => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join(''));
    const [sent] = newRequestsSince(before);
    expect(sent).toMatchObject({ method: 'POST', backstageUser: 'user:default/jane', body: JSON.stringify({ message: 'Hi' }) });
    expect(sent.headers.accept).toBe('text/event-stream');
  });

  it('makes one token request for all the calls of the plugin', async () => {
    const { server } = await start();
    const tokenRequestsBefore = keycloak.requests.length;

    const header = mockCredentials.user.header();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => request(server).get('/api/kagenti-provider/agents').set('Authorization', header)),
    );

    expect(responses.map(r => r.status)).toEqual(Array(8).fill(200));
    expect(keycloak.requests.length - tokenRequestsBefore).toBe(1);
  });

  it('calls Kagenti without a token when boost.kagenti.auth is not configured', async () => {
    const open = await startFakeKagentiApi();
    try {
      open.respond('GET', '/api/v1/agents', { json: { items: [] } });
      const { server } = await start(appConfig({ auth: null, baseUrl: open.url }));

      const response = await request(server)
        .get('/api/kagenti-provider/agents')
        .set('Authorization', mockCredentials.user.header());

      expect(response.status).toBe(200);
      expect(open.requests).toHaveLength(1);
      expect(open.requests[0].headers.authorization).toBeUndefined();
    } finally {
      await open.close();
    }
  });
});

describe('when the config is incomplete', () => {
  it('fails startup naming boost.providers.kagenti.baseUrl when it is missing', async () => {
    await expect(start(appConfig({ baseUrl: null }))).rejects.toThrow(/boost\.providers\.kagenti\.baseUrl is not set/);
  });

  it('fails startup for a base URL that is not http(s), without quoting it', async () => {
    const rejection = start(appConfig({ baseUrl: 'ftp://kagenti.internal.example' }));
    await expect(rejection).rejects.toThrow(/boost\.providers\.kagenti\.baseUrl must use http or https/);
    await expect(rejection).rejects.not.toThrow(/kagenti\.internal\.example/);
  });

  it('fails startup naming the missing keys of a partial boost.kagenti.auth', async () => {
    const partial = { tokenEndpoint: keycloak.tokenEndpoint, clientId: 'backstage' };
    await expect(start(appConfig({ auth: partial }))).rejects.toThrow(/clientSecret/);
  });
});

type Case = { name: string; arrange: () => void | Promise<void>; status: number; errorName: string; says: RegExp };

const AGENTS_CASES: Case[] = [
  {
    name: 'Kagenti 403',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 403, json: { detail: 'no' } }),
    status: 403,
    errorName: 'NotAllowedError',
    says: /GET \/api\/v1\/agents failed: Kagenti answered 403/,
  },
  {
    name: 'Kagenti 404',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 404 }),
    status: 404,
    errorName: 'NotFoundError',
    says: /GET \/api\/v1\/agents failed: Kagenti answered 404/,
  },
  {
    name: 'Kagenti 400',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 400 }),
    status: 400,
    errorName: 'InputError',
    says: /Kagenti answered 400/,
  },
  {
    name: 'Kagenti 422',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 422 }),
    status: 400,
    errorName: 'InputError',
    says: /Kagenti answered 422/,
  },
  {
    name: 'Kagenti 409',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 409 }),
    status: 409,
    errorName: 'ConflictError',
    says: /Kagenti answered 409/,
  },
  {
    name: 'Kagenti 500',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 500 }),
    status: 503,
    errorName: 'ServiceUnavailableError',
    says: /Kagenti answered 500/,
  },
  {
    name: 'Kagenti 502',
    arrange: () => kagenti.respond('GET', '/api/v1/agents', { status: 502 }),
    status: 503,
    errorName: 'ServiceUnavailableError',
    says: /Kagenti answered 502/,
  },
  {
    name: 'Kagenti 401 after the retry',
    arrange: () => kagenti.rejectNext(2),
    status: 503,
    errorName: 'ServiceUnavailableError',
    says: /Kagenti answered 401 to the backend's service account/,
  },
  {
    name: 'a refused client secret (Keycloak 401 invalid_client)',
    arrange: () => keycloak.setFault({ mode: 'status', status: 401, error: 'invalid_client' }),
    status: 503,
    errorName: 'ServiceUnavailableError',
    says: /could not get a Keycloak token.*TOKEN_ENDPOINT_OAUTH_ERROR/,
  },
  {
    name: 'Keycloak 400 invalid_scope',
    arrange: () => keycloak.setFault({ mode: 'status', status: 400, error: 'invalid_scope' }),
    status: 503,
    errorName: 'ServiceUnavailableError',
    says: /TOKEN_ENDPOINT_OAUTH_ERROR/,
  },
];

describe.each(['production', 'development'] as const)('error mapping, %s mode', mode => {
  it.each(AGENTS_CASES)('$name → $status $errorName, with a safe body', async ({ arrange, status, errorName, says }) => {
    const { server } = await start(appConfig(), mode);
    await arrange();

    const response = await request(server)
      .get('/api/kagenti-provider/agents?namespace=team1')
      .set('Authorization', mockCredentials.user.header());

    expect(response.status).toBe(status);
    const body = response.body as { error: { name: string; message: string; stack?: string } };
    expect(body.error.name).toBe(errorName);
    expect(body.error.message).toMatch(says);
    expect(body.error.stack === undefined).toBe(mode === 'production');
    assertSafe(response.text);
    kagenti.rejectNext(0);
  });

  it('Kagenti unreachable → 503 ServiceUnavailableError, with a safe body', async () => {
    const gone = await startFakeKagentiApi();
    const goneUrl = gone.url;
    await gone.close();
    const { server } = await start(appConfig({ baseUrl: goneUrl }), mode);

    const response = await request(server)
      .get('/api/kagenti-provider/agents')
      .set('Authorization', mockCredentials.user.header());

    expect(response.status).toBe(503);
    expect((response.body as { error: { message: string } }).error.message).toMatch(
      /GET \/api\/v1\/agents failed: no answer from Kagenti \(ECONNREFUSED\)/,
    );
    assertSafe(response.text, [goneUrl, `:${new URL(goneUrl).port}`]);
  });
});

/** No origin of an internal server, no header, token, secret or axios config in what the browser gets. */
function assertSafe(text: string, alsoForbidden: string[] = []): void {
  const forbidden = [
    kagenti.url,
    new URL(kagenti.url).host,
    new URL(keycloak.tokenEndpoint).host,
    '/realms/',
    'Bearer',
    'authorization',
    'Authorization',
    '"config"',
    '"headers"',
    'cause',
    ...secretForms(keycloak.clientId, keycloak.clientSecret),
    ...kagenti.requests.flatMap(r => (r.token ? [r.token] : [])),
    ...alsoForbidden,
  ];
  for (const value of forbidden) expect(text).not.toContain(value);
  // Backstage adds the incoming request's method and URL; the error itself carries only these.
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  for (const key of Object.keys(body.error)) expect(['name', 'message', 'stack']).toContain(key);
}
