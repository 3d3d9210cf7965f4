// The example plugin in a real backend: @backstage/backend-defaults' createBackend() in a child
// process in production mode (NODE_ENV=production, where Backstage's server.stop() waits for open
// connections), configured by an app-config.yaml whose secret comes from the child's environment,
// called with a static token, against the testing entry's fakes. Each backend is stopped the way
// a deployment stops it: SIGTERM, which Backstage handles by stopping the backend and exiting.
import { randomBytes } from 'node:crypto';
import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../../lib/testing';
import { secretForms } from '../helpers/secretScan';
import { call, openStream, until, within, type Answer } from './helpers/loopbackRequests';
import {
  compileChild,
  startBackendProcess,
  type BackendProcess,
  type CompiledChild,
  type SigtermExit,
} from './helpers/startBackendProcess';

/** The bound: after SIGTERM, nothing of the package may keep the process alive longer. */
const EXIT_WITHIN_MS = 1_000;
/** Per test: bounded waits inside fail first, with a message (a child that does not exit is killed after 5 s). */
const TEST_TIMEOUT_MS = 20_000;
const CLIENT_ID = 'backstage';
const STATIC_TOKEN = randomBytes(24).toString('base64url');
const CALLER = { authorization: `Bearer ${STATIC_TOKEN}` };
const AGENTS = [{ name: 'weather' }, { name: 'travel' }];
const CHAT_EVENTS = [
  { event: 'message', data: { delta: 'Hello' } },
  { event: 'done', data: { events: 1 } },
];
const sseText = (events: typeof CHAT_EVENTS): string =>
  events.map(e => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');

/** A secret with characters that change under form and URI encoding, so every encoded form differs. */
const newSecret = (): string => `s3cr3t+/=${randomBytes(12).toString('base64url')}`;

interface Setup {
  keycloak: FakeKeycloak;
  kagenti: FakeKagentiApi;
  /** The secret the backend is given (for the refused one, not the fake's). */
  secret: string;
  backend?: BackendProcess;
}

async function setUp(options: { secretGiven?: string; keycloakDown?: boolean } = {}): Promise<Setup> {
  const keycloak = await startFakeKeycloak({ clientId: CLIENT_ID, clientSecret: newSecret(), expiresInSeconds: 3_600 });
  const kagenti = await startFakeKagentiApi({ tokens: keycloak });
  // Closed before the backend starts (and after the Kagenti fake got its port): its port refuses connections.
  if (options.keycloakDown) await keycloak.close();
  kagenti.respond('GET', '/api/v1/agents', { json: { items: AGENTS } });
  kagenti.respond('POST', '/api/v1/agents/weather/chat/stream', { sse: CHAT_EVENTS });
  // A reply still being written: one event, then the stream stays open.
  kagenti.respond('POST', '/api/v1/agents/slow/chat/stream', { sse: CHAT_EVENTS.slice(0, 1), hold: true });
  return { keycloak, kagenti, secret: options.secretGiven ?? keycloak.clientSecret };
}

function envOf({ keycloak, kagenti, secret }: Setup): Record<string, string> {
  return {
    NODE_ENV: 'production',
    KAGENTI_TOKEN_ENDPOINT: keycloak.tokenEndpoint,
    KAGENTI_CLIENT_SECRET: secret,
    KAGENTI_BASE_URL: kagenti.url,
    BACKSTAGE_STATIC_TOKEN: STATIC_TOKEN,
  };
}

const setups: Record<'working' | 'refused' | 'down' | 'failing', Setup | undefined> = {
  working: undefined,
  refused: undefined,
  down: undefined,
  failing: undefined,
};
const started = (name: keyof typeof setups): Required<Setup> => {
  const setup = setups[name];
  if (setup?.backend === undefined) throw new Error('the backends start in beforeAll');
  return setup as Required<Setup>;
};

let compiled: CompiledChild | undefined;

beforeAll(async () => {
  compiled = compileChild();
  const child = compiled;
  setups.working = await setUp();
  setups.refused = await setUp({ secretGiven: newSecret() });
  setups.down = await setUp({ keycloakDown: true });
  setups.failing = await setUp();
  // Started side by side: loading Backstage is most of the time.
  const all = Object.values(setups) as Setup[];
  const backends = await Promise.allSettled(all.map(setup => startBackendProcess(child, envOf(setup))));
  backends.forEach((backend, i) => {
    if (backend.status === 'fulfilled') all[i].backend = backend.value;
  });
  const failed = backends.find((backend): backend is PromiseRejectedResult => backend.status === 'rejected');
  if (failed) throw failed.reason;
}, 120_000);

afterAll(async () => {
  for (const setup of Object.values(setups)) {
    setup?.backend?.kill();
    await setup?.kagenti.close();
    await setup?.keycloak.close();
  }
  compiled?.remove();
});

/** Starts a chat with `agent`, leaving its event stream open. */
const openChat = (url: string, agent: string, headers: Record<string, string>) =>
  openStream(`${url}/api/kagenti-provider/chat`, { method: 'POST', headers, json: { agent, message: 'Hi' } });

/** What must never reach a caller or a log line: the secret in every form, a Basic header, any token. */
function secretsOf({ keycloak, kagenti, secret }: Setup): string[] {
  return [
    ...secretForms(CLIENT_ID, secret),
    ...secretForms(CLIENT_ID, keycloak.clientSecret),
    'Basic ',
    ...kagenti.requests.flatMap(r => (r.token !== undefined ? [r.token] : [])),
    STATIC_TOKEN,
  ];
}

function expectNoneOf(text: string, forbidden: readonly string[]): void {
  for (const value of forbidden) expect(text).not.toContain(value);
}

/** A 503 from Backstage's error handler in production: a name and a message, nothing of the cause. */
function expectSafe503(answer: Answer, setup: Setup, says: RegExp): void {
  expect(answer.status).toBe(503);
  const body = JSON.parse(answer.text) as { error: Record<string, unknown> };
  expect(body.error.name).toBe('ServiceUnavailableError');
  expect(body.error.message).toMatch(says);
  expect(Object.keys(body.error).sort()).toEqual(['message', 'name']);
  // Logs may name the token endpoint (what to check); a browser gets no internal address.
  const internal = [new URL(setup.keycloak.tokenEndpoint).host, '/realms/', new URL(setup.kagenti.url).host];
  expectNoneOf(answer.text, [...secretsOf(setup), ...internal, 'Bearer', 'cause', '"config"', '"headers"']);
}

/** Prints the timing, as the shutdown suite does: it is the measure docs/backstage.md quotes. */
function report(what: string, exit: SigtermExit): void {
  const child = exit.childMs === undefined ? 'no exit of its own' : `process.exit ${exit.childMs.toFixed(1)} ms after the signal`;
  process.stdout.write(
    `createBackend, SIGTERM ${what}: ${child} (code ${exit.code ?? exit.signal}); ended ${exit.parentMs.toFixed(1)} ms after it was sent\n`,
  );
}

function expectPromptExit(exit: SigtermExit, backend: BackendProcess): void {
  // Node writes its warnings and crashes to stderr; the backend's logger never does.
  expect({ code: exit.code, signal: exit.signal, stderr: backend.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(exit.childMs).toBeDefined();
  expect(exit.childMs).toBeLessThan(EXIT_WITHIN_MS);
  // Backstage logs unhandled rejections and uncaught exceptions.
  expect(backend.output()).not.toMatch(/unhandled|uncaught/i);
}

describe('the example plugin in a createBackend() backend, in production mode', () => {
  it(
    'lists agents with a Keycloak token got with the secret from the environment, sending no X-Backstage-User for a static-token caller',
    async () => {
      const { backend, keycloak, kagenti } = started('working');

      const answer = await call(`${backend.url}/api/kagenti-provider/agents?namespace=team1`, { headers: CALLER });

      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ agents: AGENTS });
      expect(keycloak.requests).toEqual([
        { clientId: CLIENT_ID, authMethod: 'client_secret_basic', grantType: 'client_credentials', status: 200 },
      ]);
      expect(kagenti.requests).toHaveLength(1);
      const [sent] = kagenti.requests;
      expect(sent).toMatchObject({ method: 'GET', path: '/api/v1/agents', query: { namespace: 'team1' }, status: 200 });
      // The caller's Backstage token stays in the backend; Kagenti gets the service account's.
      expect(sent.token).not.toBe(STATIC_TOKEN);
      expect(sent.token !== undefined && keycloak.isActive(sent.token)).toBe(true);
      expect(sent.headers['x-backstage-user']).toBeUndefined();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a caller without a Backstage token (401) and sends Kagenti nothing',
    async () => {
      const { backend, kagenti } = started('working');
      const before = kagenti.requests.length;

      const answer = await call(`${backend.url}/api/kagenti-provider/agents`);

      expect(answer.status).toBe(401);
      expect(kagenti.requests.length).toBe(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'relays a chat reply stream to its end, reusing the token',
    async () => {
      const { backend, keycloak, kagenti } = started('working');
      const before = kagenti.requests.length;

      const answer = await call(`${backend.url}/api/kagenti-provider/chat`, {
        method: 'POST',
        headers: CALLER,
        json: { agent: 'weather', message: 'Hi' },
      });

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(answer.text).toBe(sseText(CHAT_EVENTS));
      const [sent] = kagenti.requests.slice(before);
      expect(sent).toMatchObject({ method: 'POST', path: '/api/v1/agents/weather/chat/stream', body: '{"message":"Hi"}' });
      expect(sent.headers['x-backstage-user']).toBeUndefined();
      expect(keycloak.requests).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'delivers each event while the stream is open, uncompressed, to a client that accepts gzip',
    async () => {
      const { backend } = started('working');

      // Backstage's router compresses responses; a gzipped event stream would hold events back.
      const stream = await openChat(backend.url, 'slow', { ...CALLER, 'accept-encoding': 'gzip, deflate' });
      try {
        expect(stream.response.statusCode).toBe(200);
        expect(stream.response.headers['content-encoding']).toBeUndefined();
        await expect(within(10_000, 'the first event', stream.received('\n\n'))).resolves.toBe(sseText(CHAT_EVENTS.slice(0, 1)));
      } finally {
        stream.destroy();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `exits within ${EXIT_WITHIN_MS} ms of SIGTERM with a relay open, ending the relay; no secret or token in its logs`,
    async () => {
      const setup = started('working');
      const stream = await openChat(setup.backend.url, 'slow', CALLER);
      await within(10_000, 'the first event', stream.received('\n\n'));

      const exit = await setup.backend.sigterm();
      report('with an SSE relay open', exit);

      expectPromptExit(exit, setup.backend);
      await within(1_000, 'the relay ending', stream.ended);
      expect(stream.text()).toBe(sseText(CHAT_EVENTS.slice(0, 1)));
      expectNoneOf(setup.backend.output(), secretsOf(setup));
    },
    TEST_TIMEOUT_MS,
  );
});

describe('when Keycloak refuses the secret from the environment', () => {
  it(
    'answers 503 with a body and logs that hold no secret, token or Basic header',
    async () => {
      const setup = started('refused');

      const answer = await call(`${setup.backend.url}/api/kagenti-provider/agents`, { headers: CALLER });

      expectSafe503(answer, setup, /could not get a Keycloak token for its service account \(TOKEN_ENDPOINT_OAUTH_ERROR\)/);
      expect(setup.keycloak.requests.map(r => r.status)).toEqual([401]);
      expect(setup.kagenti.requests).toEqual([]);
      expectNoneOf(setup.backend.output(), secretsOf(setup));
    },
    TEST_TIMEOUT_MS,
  );
});

describe('when Keycloak is down', () => {
  it(
    'answers 503 once its port refused every attempt, with a body and logs that hold no secret, token or Basic header',
    async () => {
      const setup = started('down');

      const answer = await call(`${setup.backend.url}/api/kagenti-provider/agents`, { headers: CALLER });

      expectSafe503(answer, setup, /could not get a Keycloak token for its service account \(TOKEN_ENDPOINT_UNREACHABLE\)/);
      expect(setup.kagenti.requests).toEqual([]);
      expectNoneOf(setup.backend.output(), secretsOf(setup));
    },
    TEST_TIMEOUT_MS,
  );
});

describe('when Keycloak is unavailable, then hangs', () => {
  it(
    'answers 503 while the token endpoint answers 503, with a safe body',
    async () => {
      const setup = started('failing');
      setup.keycloak.setFault({ mode: 'status', status: 503 });

      const answer = await call(`${setup.backend.url}/api/kagenti-provider/agents`, { headers: CALLER });

      expectSafe503(answer, setup, /could not get a Keycloak token for its service account/);
      expect(setup.keycloak.requests.length).toBeGreaterThan(0);
      expect(setup.keycloak.requests.every(r => r.status === 503)).toBe(true);
      expect(setup.kagenti.requests).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `exits within ${EXIT_WITHIN_MS} ms of SIGTERM with a token request hung, answering the waiting caller 503`,
    async () => {
      const setup = started('failing');
      setup.keycloak.setFault({ mode: 'hang' });
      const hungBefore = setup.keycloak.requests.filter(r => r.status === 0).length;
      const waiting = call(`${setup.backend.url}/api/kagenti-provider/agents`, { headers: CALLER });
      await until(() => setup.keycloak.requests.filter(r => r.status === 0).length > hungBefore, 'the token request');

      const exit = await setup.backend.sigterm();
      report('with a token request hung', exit);

      expectPromptExit(exit, setup.backend);
      expectSafe503(await within(1_000, 'the waiting answer', waiting), setup, /cancelled: the Kagenti service is shutting down/);
      expectNoneOf(setup.backend.output(), secretsOf(setup));
    },
    TEST_TIMEOUT_MS,
  );
});
