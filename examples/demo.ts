// A guided tour of @boost/kagenti-auth: KagentiApiClient with a KeycloakTokenManager, step by
// step, each step checking what it claims against what the servers saw.
//
//   npm run demo                      embedded token server and Kagenti API on 127.0.0.1
//   npm run demo -- --help            real Keycloak and Kagenti: see usage()
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import axios, { type AxiosInstance } from 'axios';

import {
  ConfigurationError,
  KagentiApiClient,
  KeycloakTokenManager,
  TokenRequestError,
  type ClientAuthentication,
  type KagentiRequest,
  type KeycloakTokenManagerOptions,
} from '../lib';
import { startTokenServer, type TokenServerHandle } from '../test-servers/startTokenServer';
import { startKagentiServer, type KagentiServerHandle } from '../test-servers/startKagentiServer';
import { startDemoMetrics } from './demoMetrics';

const SECRET_ENV = 'KAGENTI_CLIENT_SECRET';
const PRIVATE_KEY_ENV = 'KAGENTI_PRIVATE_KEY';
const STREAM_READ_LIMIT_MS = 10_000;
const STREAM_MIN_LIFETIME_MS = 60_000;

function usage(): string {
  return `Usage: npm run demo [-- OPTIONS]

Without options, starts an embedded Keycloak-shaped token server (oidc-provider) and a fake
Kagenti API on 127.0.0.1 and walks KagentiApiClient through six checked steps:
first token, cached calls, a cold burst of concurrent calls, a revoked token healed by one
retry, an SSE stream, and a wrong client secret. Exits 0 only if every step behaved as claimed.

Against a real Keycloak and Kagenti (the client secret comes from $${SECRET_ENV}, never a flag):

  ${SECRET_ENV}=... npm run demo -- \\
    --token-endpoint https://keycloak.example.com/realms/<realm>/protocol/openid-connect/token \\
    --client-id <client> --kagenti-url https://kagenti.example.com

  --token-endpoint URL   Keycloak token endpoint (…/realms/<realm>/protocol/openid-connect/token)
  --client-id ID         confidential client with "Service accounts roles" enabled
  --kagenti-url URL      Kagenti API base URL
  --path PATH            path called in every step (default /api/v1/agents)
  --namespace NS         sent as ?namespace=NS with every call
  --calls N              cached calls in step 2 (default 20)
  --burst N              concurrent calls in step 3 (default 50)
  --stream-path PATH     also read this SSE endpoint to its end (GET, or POST with --stream-body)
  --stream-body JSON     JSON body for the stream request
  --client-auth METHOD   basic (default), post, client_secret_jwt or private_key_jwt: how the
                         client authenticates. Embedded, private_key_jwt generates an RSA key and
                         registers its public JWKS with the token server; against a real Keycloak
                         the PKCS#8 PEM comes from $${PRIVATE_KEY_ENV} (with --key-id for its kid)
  --key-id KID           kid of the private key (private_key_jwt)
  --buffer SECONDS       tokenExpiryBufferSeconds (default 60)
  --try-wrong-secret     also send one token request with a made-up secret (or key) and show the error
                         (off by default: it is a failed client login in Keycloak's event log)
  -h, --help             this text

The revocation step needs control of the servers and is only run in the embedded mode. Neither
mode prints a secret or a whole access token (only its first 8 characters).`;
}

// ---- reporting ---------------------------------------------------------------------------------

interface StepOutcome {
  title: string;
  status: 'passed' | 'failed' | 'skipped';
}

class Story {
  readonly outcomes: StepOutcome[] = [];
  #checks: boolean[] = [];
  /** Set when a step makes the rest pointless; later steps are then skipped with this reason. */
  #blocked?: string;

  line(text: string): void {
    console.log(`     ${text}`);
  }

  check(ok: boolean, claim: string, actual?: string): boolean {
    this.#checks.push(ok);
    console.log(`   ${ok ? '✓' : '✗'} ${claim}${ok || actual === undefined ? '' : ` — but ${actual}`}`);
    return ok;
  }

  /** Runs one step; `blocksRest` skips every later step when this one fails. */
  async step(title: string, run: () => Promise<void>, options: { blocksRest?: string } = {}): Promise<void> {
    if (this.#blocked !== undefined) {
      this.skip(title, this.#blocked);
      return;
    }
    const number = this.outcomes.length + 1;
    console.log(`\n${number}. ${title}`);
    this.#checks = [];
    let threw = false;
    try {
      await run();
    } catch (error) {
      threw = true;
      this.#checks.push(false);
      console.log(`   ✗ ${describeError(error)}`);
    }
    const passed = !threw && this.#checks.length > 0 && this.#checks.every(Boolean);
    this.outcomes.push({ title, status: passed ? 'passed' : 'failed' });
    if (!passed && options.blocksRest !== undefined) this.#blocked = options.blocksRest;
  }

  skip(title: string, why: string): void {
    console.log(`\n${this.outcomes.length + 1}. ${title}\n   – skipped: ${why}`);
    this.outcomes.push({ title, status: 'skipped' });
  }

  summary(): boolean {
    console.log('\nSummary');
    this.outcomes.forEach((outcome, index) => {
      const mark = { passed: '✓', failed: '✗', skipped: '–' }[outcome.status];
      console.log(`  ${mark} ${index + 1}. ${outcome.title}${outcome.status === 'skipped' ? ' (skipped)' : ''}`);
    });
    const failed = this.outcomes.filter(outcome => outcome.status === 'failed').length;
    const ran = this.outcomes.filter(outcome => outcome.status !== 'skipped').length;
    console.log(
      failed === 0 ? `\nAll ${ran} steps behaved as claimed.` : `\n${failed} of ${ran} steps did not behave as claimed.`,
    );
    return failed === 0;
  }
}

/** Safe to print: names and messages only. Library errors are redacted by design. */
function describeError(error: unknown): string {
  if (error instanceof TokenRequestError) return `${error.name} [${error.code}]: ${error.message}`;
  if (axios.isAxiosError(error)) {
    const status = error.response?.status;
    const hint =
      status === 401 || status === 403
        ? ' — the API refused the service-account token (after one retry with a fresh token): check the audience and roles Keycloak puts in it'
        : '';
    return `${error.name}: ${error.message}${status !== undefined ? ` (HTTP ${status})` : error.code ? ` (${error.code})` : ''}${hint}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Scheme, host, port and path: never userinfo, query or fragment. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const short = (token: string): string => `${token.slice(0, 8)}…`;
const isSuccess = (status: number): boolean => status >= 200 && status < 300;
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

// ---- what the demo runs against ----------------------------------------------------------------

interface Target {
  embedded: boolean;
  tokenEndpoint: string;
  clientId: string;
  /** The client secret, or a private key for private_key_jwt. */
  credential: Credential;
  clientAuthentication: ClientAuthentication;
  bufferSeconds?: number;
  kagentiUrl: string;
  call: KagentiRequest;
  stream?: KagentiRequest;
  calls: number;
  burst: number;
  tryWrongSecret: boolean;
  /** Embedded only: the servers, for counts and revocation. */
  servers?: { tokens: TokenServerHandle; kagenti: KagentiServerHandle };
}

type Credential = { clientSecret: string } | { privateKey: string; privateKeyId?: string };

/** A credential of the same kind that Keycloak will refuse. */
function wrongCredential(credential: Credential): Credential {
  if ('clientSecret' in credential) return { clientSecret: `demo-wrong-secret-${randomBytes(6).toString('hex')}` };
  return { ...credential, privateKey: newRsaKey().privateKeyPem };
}

function newRsaKey(): { privateKeyPem: string; publicJwk: object } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'demo-key', use: 'sig' },
  };
}

const CLIENT_AUTH_FLAGS: Record<string, ClientAuthentication> = {
  basic: 'client_secret_basic',
  post: 'client_secret_post',
  client_secret_basic: 'client_secret_basic',
  client_secret_post: 'client_secret_post',
  client_secret_jwt: 'client_secret_jwt',
  private_key_jwt: 'private_key_jwt',
};

function clientAuthFlag(value: string | undefined): ClientAuthentication {
  const method = CLIENT_AUTH_FLAGS[value ?? 'basic'];
  if (!method) throw new UsageError('--client-auth must be basic, post, client_secret_jwt or private_key_jwt');
  return method;
}

class UsageError extends Error {}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new UsageError(`--${name} must be a positive whole number`);
  return parsed;
}

function wholeSeconds(name: string, value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) throw new UsageError(`--${name} must be a whole number of seconds`);
  return parsed;
}

function parseRemoteTarget(
  argv: string[],
): { help: true } | { help: false; target?: Omit<Target, 'servers'>; embeddedClientAuth?: ClientAuthentication } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'token-endpoint': { type: 'string' },
      'client-id': { type: 'string' },
      'kagenti-url': { type: 'string' },
      path: { type: 'string' },
      namespace: { type: 'string' },
      calls: { type: 'string' },
      burst: { type: 'string' },
      'stream-path': { type: 'string' },
      'stream-body': { type: 'string' },
      'client-auth': { type: 'string' },
      'key-id': { type: 'string' },
      buffer: { type: 'string' },
      'try-wrong-secret': { type: 'boolean' },
    },
  });
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const remote = ['token-endpoint', 'client-id', 'kagenti-url'] as const;
  const given = remote.filter(name => values[name] !== undefined);
  if (given.length === 0) {
    const other = Object.keys(values).filter(name => name !== 'client-auth')[0];
    if (other !== undefined) throw new UsageError(`--${other} needs --token-endpoint, --client-id and --kagenti-url`);
    return { help: false, embeddedClientAuth: clientAuthFlag(values['client-auth']) };
  }
  if (given.length < remote.length) {
    throw new UsageError(
      `missing ${remote
        .filter(name => values[name] === undefined)
        .map(name => `--${name}`)
        .join(' and ')}`,
    );
  }
  for (const name of ['token-endpoint', 'kagenti-url'] as const) {
    let protocol: string | undefined;
    try {
      protocol = new URL(values[name]!).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`--${name} must be an absolute http(s) URL`);
  }
  for (const name of ['path', 'stream-path'] as const) {
    const value = values[name];
    if (value !== undefined && (!value.startsWith('/') || value.startsWith('//'))) {
      throw new UsageError(`--${name} must be a path starting with a single "/"`);
    }
  }
  const clientAuthentication = clientAuthFlag(values['client-auth']);
  let credential: Credential;
  if (clientAuthentication === 'private_key_jwt') {
    const privateKey = process.env[PRIVATE_KEY_ENV];
    if (!privateKey) throw new UsageError(`set the PKCS#8 PEM private key in ${PRIVATE_KEY_ENV} (it is never taken as a flag)`);
    credential = { privateKey, ...(values['key-id'] !== undefined ? { privateKeyId: values['key-id'] } : {}) };
  } else {
    const secret = process.env[SECRET_ENV];
    if (!secret)
      throw new UsageError(`set the client secret in the environment variable ${SECRET_ENV} (it is never taken as a flag)`);
    credential = { clientSecret: secret };
  }
  const path = values.path ?? '/api/v1/agents';
  const query = values.namespace !== undefined ? { namespace: values.namespace } : undefined;
  let streamBody: unknown;
  if (values['stream-body'] !== undefined) {
    try {
      streamBody = JSON.parse(values['stream-body']);
    } catch {
      throw new UsageError('--stream-body must be JSON');
    }
  }
  const streamPath = values['stream-path'];
  return {
    help: false,
    target: {
      embedded: false,
      tokenEndpoint: values['token-endpoint']!,
      clientId: values['client-id']!,
      credential,
      clientAuthentication,
      ...(values.buffer !== undefined ? { bufferSeconds: wholeSeconds('buffer', values.buffer) } : {}),
      kagentiUrl: values['kagenti-url']!,
      call: { method: 'GET', path, ...(query ? { query } : {}) },
      ...(streamPath !== undefined
        ? {
            stream: {
              method: streamBody === undefined ? 'GET' : 'POST',
              path: streamPath,
              stream: true,
              ...(query ? { query } : {}),
              ...(streamBody !== undefined ? { body: streamBody } : {}),
            },
          }
        : {}),
      calls: positiveInteger('calls', values.calls, 20),
      burst: positiveInteger('burst', values.burst, 50),
      tryWrongSecret: values['try-wrong-secret'] ?? false,
    },
  };
}

async function startEmbedded(
  cleanups: Array<() => Promise<void> | void>,
  clientAuthentication: ClientAuthentication = 'client_secret_basic',
): Promise<Target> {
  // private_key_jwt: a key generated now; only its public JWKS goes to the token server.
  const key = clientAuthentication === 'private_key_jwt' ? newRsaKey() : undefined;
  const tokens = await startTokenServer(
    key ? { keyClients: { demo: { id: 'kagenti-demo-jwt', jwks: { keys: [key.publicJwk] } } } } : {},
  );
  cleanups.push(() => tokens.stop());
  const secretClient = {
    client_secret_basic: tokens.clients.basic,
    client_secret_post: tokens.clients.post,
    client_secret_jwt: tokens.clients.secretJwt,
  }[clientAuthentication as 'client_secret_basic'];
  const kagenti = await startKagentiServer({
    introspectionEndpoint: tokens.introspectionEndpoint,
    introspectionClient: tokens.clients.api,
  });
  cleanups.push(() => kagenti.close());
  return {
    embedded: true,
    tokenEndpoint: tokens.tokenEndpoint,
    clientId: key ? tokens.keyClients.demo.id : secretClient.id,
    credential: key ? { privateKey: key.privateKeyPem, privateKeyId: 'demo-key' } : { clientSecret: secretClient.secret },
    clientAuthentication,
    kagentiUrl: kagenti.url,
    call: { method: 'GET', path: '/api/v1/agents', query: { namespace: 'team1' }, userRef: 'user:default/jsmith' },
    stream: { method: 'GET', path: '/api/v1/chat/stream', query: { events: 5, intervalMs: 100 }, stream: true },
    calls: 20,
    burst: 50,
    tryWrongSecret: true,
    servers: { tokens, kagenti },
  };
}

// ---- building clients the way an application would ----------------------------------------------

interface Wired {
  manager: KeycloakTokenManager;
  client: KagentiApiClient;
  /** Token requests this manager sent, counted on its own HTTP client. */
  tokenRequests: () => number;
}

function wire(
  target: Target,
  credential: Credential,
  extra: Partial<KeycloakTokenManagerOptions>,
  managers: KeycloakTokenManager[],
): Wired {
  // Loopback servers must not go through a developer's HTTP(S)_PROXY; real ones may need it.
  const httpClient: AxiosInstance = axios.create(target.embedded ? { proxy: false } : {});
  let sent = 0;
  httpClient.interceptors.request.use(config => {
    sent += 1;
    return config;
  });
  // The same construction an app uses: `boost.kagenti.auth` from app-config.
  const appConfig = {
    boost: {
      kagenti: {
        auth: {
          tokenEndpoint: target.tokenEndpoint,
          clientId: target.clientId,
          ...credential,
          ...(target.bufferSeconds !== undefined ? { tokenExpiryBufferSeconds: target.bufferSeconds } : {}),
        },
      },
    },
  };
  const manager = KeycloakTokenManager.fromConfig(appConfig, {
    httpClient,
    clientAuthentication: target.clientAuthentication,
    ...extra,
  });
  if (!manager) throw new Error('KeycloakTokenManager.fromConfig returned no manager');
  managers.push(manager);
  const client = new KagentiApiClient({
    baseUrl: target.kagentiUrl,
    tokenManager: manager,
    timeoutMs: 15_000,
    streamMinLifetimeMs: STREAM_MIN_LIFETIME_MS,
  });
  if (target.embedded) client.axios.defaults.proxy = false;
  return { manager, client, tokenRequests: () => sent };
}

function describeCall(call: KagentiRequest): string {
  const query = call.query ? `?${new URLSearchParams(call.query as Record<string, string>).toString()}` : '';
  return `${call.method} ${call.path}${query}`;
}

function summarizeBody(data: unknown): string {
  if (data && typeof data === 'object' && Array.isArray((data as { items?: unknown }).items)) {
    const items = (data as { items: Array<{ name?: unknown }> }).items;
    const names = items.map(item => (typeof item.name === 'string' ? item.name : '?')).slice(0, 3);
    return `${plural(items.length, 'item')}${names.length ? `: ${names.join(', ')}${items.length > 3 ? ', …' : ''}` : ''}`;
  }
  if (Array.isArray(data)) return plural(data.length, 'item');
  return typeof data === 'string' ? `${data.length} characters` : 'JSON body';
}

async function readEvents(
  stream: Readable,
  onEvent: (event: string, data: string) => void,
): Promise<{ ended: boolean; events: string[] }> {
  const events: string[] = [];
  let buffer = '';
  const timer = setTimeout(
    () => stream.destroy(new Error(`stream did not end within ${STREAM_READ_LIMIT_MS / 1000} s`)),
    STREAM_READ_LIMIT_MS,
  );
  const take = (block: string): void => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0 && !block.includes('event:')) return;
    events.push(event);
    onEvent(event, data.join('\n'));
  };
  try {
    for await (const chunk of stream) {
      buffer += (chunk as Buffer).toString('utf8');
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        take(buffer.slice(0, end));
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      }
    }
    if (buffer.trim() !== '') take(buffer);
    return { ended: true, events };
  } finally {
    clearTimeout(timer);
  }
}

// ---- the story ---------------------------------------------------------------------------------

async function tell(target: Target, story: Story, managers: KeycloakTokenManager[]): Promise<void> {
  const servers = target.servers;
  const serverTokenRequests = async (): Promise<number> => (servers ? (await servers.tokens.stats()).tokenRequests.total : 0);
  const main = wire(target, target.credential, {}, managers);
  const call = { ...target.call };

  console.log(
    target.embedded ? 'Kagenti auth demo — embedded servers on 127.0.0.1' : 'Kagenti auth demo — real Keycloak and Kagenti',
  );
  console.log(
    `  token endpoint  ${displayUrl(main.manager.tokenEndpoint)}${target.embedded ? '  (oidc-provider, 300 s tokens)' : ''}`,
  );
  console.log(
    `  client          ${target.clientId} (${target.clientAuthentication}; ${'privateKey' in target.credential ? `key ${target.embedded ? 'generated for this run' : `from $${PRIVATE_KEY_ENV}`}` : `secret ${target.embedded ? 'from the test server' : `from $${SECRET_ENV}`}`}, not shown)`,
  );
  console.log(`  Kagenti API     ${displayUrl(target.kagentiUrl)}${target.embedded ? '  (introspects every token)' : ''}`);

  let firstToken: string | undefined;

  await story.step(
    'The first call fetches a token',
    async () => {
      const started = Date.now();
      const response = await main.client.requestCore(call);
      story.line(`${describeCall(call)} → ${response.status} in ${Date.now() - started} ms (${summarizeBody(response.data)})`);
      firstToken = await main.manager.getToken();
      const usableFor = Math.round(((main.manager.cachedTokenUsableUntil ?? Date.now()) - Date.now()) / 1000);
      story.line(`token ${short(firstToken)} cached, usable for ${usableFor} s`);
      story.check(isSuccess(response.status), 'the call succeeded', `HTTP ${response.status}`);
      story.check(main.tokenRequests() === 1, 'exactly 1 token request was sent', `${main.tokenRequests()} were`);
      if (servers) {
        const seen = await serverTokenRequests();
        story.check(seen === 1, 'the token server saw 1 token request', `it saw ${seen}`);
        const last = servers.kagenti.requests[servers.kagenti.requests.length - 1];
        story.check(last?.token === firstToken, 'the API received that token as a Bearer token');
        story.line(`the API saw X-Backstage-User: ${last?.backstageUser ?? '(none)'}`);
        story.check(
          last?.backstageUser === call.userRef,
          `X-Backstage-User arrived as ${call.userRef}`,
          `it was ${last?.backstageUser}`,
        );
      }
    },
    { blocksRest: 'the first call failed; fix that first' },
  );

  await story.step(`${target.calls} more calls reuse the cached token`, async () => {
    const before = main.tokenRequests();
    const apiBefore = servers?.kagenti.requests.length ?? 0;
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < target.calls; i++) statuses.push((await main.client.requestCore(call)).status);
    story.line(`${plural(target.calls, 'call')} in ${Date.now() - started} ms`);
    const ok = statuses.filter(isSuccess).length;
    story.check(ok === target.calls, `all ${target.calls} succeeded`, `${ok} did`);
    story.check(main.tokenRequests() === before, 'no new token request', `${main.tokenRequests() - before} were sent`);
    if (servers) {
      const seen = await serverTokenRequests();
      story.check(seen === 1, 'the token server is still at 1 token request', `it saw ${seen}`);
      const tokens = new Set(servers.kagenti.requests.slice(apiBefore).map(request => request.token));
      story.check(tokens.size === 1 && tokens.has(firstToken), 'the API saw only the first token');
    }
  });

  await story.step(`A burst of ${target.burst} concurrent calls on a cold cache`, async () => {
    const cold = wire(target, target.credential, {}, managers);
    const serverBefore = await serverTokenRequests();
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: target.burst }, () => cold.client.requestCore(call)));
    const ok = results.filter(result => result.status === 'fulfilled' && isSuccess(result.value.status)).length;
    story.line(
      `new manager and client; ${plural(target.burst, 'call')} started at once, all settled in ${Date.now() - started} ms`,
    );
    const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    story.check(
      ok === target.burst,
      `all ${target.burst} succeeded`,
      `${ok} did${rejected ? `; first failure: ${describeError(rejected.reason)}` : ''}`,
    );
    story.check(cold.tokenRequests() === 1, 'they shared exactly 1 token request', `${cold.tokenRequests()} were sent`);
    if (servers) {
      const seen = (await serverTokenRequests()) - serverBefore;
      story.check(seen === 1, 'the token server saw 1 new token request', `it saw ${seen}`);
    }
  });

  if (servers) {
    // The test server's revocation helper authenticates with a plain secret only; for the signed
    // methods the API refusing the token from now on tells the same story.
    const atServer =
      target.clientAuthentication === 'client_secret_basic' || target.clientAuthentication === 'client_secret_post';
    const where = atServer ? 'at the token server' : 'by the API';
    await story.step(`A token revoked ${where} is healed by one retry`, async () => {
      const token = await main.manager.getToken();
      if (!atServer) {
        servers.kagenti.revoke(token);
        story.line(`the API stops accepting ${short(token)}`);
      } else {
        await servers.tokens.revoke(token);
        const { active } = await servers.tokens.introspect(token);
        story.line(`revoked ${short(token)} at the revocation endpoint; introspection now says active: ${active}`);
      }
      const before = main.tokenRequests();
      const apiBefore = servers.kagenti.requests.length;
      const response = await main.client.requestCore(call);
      const seen = servers.kagenti.requests.slice(apiBefore);
      story.line(
        `the API saw: ${seen.map(request => `${request.status} (token ${short(request.token ?? '')})`).join(', then ')}`,
      );
      story.check(isSuccess(response.status), `the caller got ${response.status}`, `HTTP ${response.status}`);
      story.check(
        seen.length === 2 &&
          seen[0]?.status === 401 &&
          seen[0].token === token &&
          seen[1]?.status === 200 &&
          seen[1].token !== token,
        'the API saw one 401 for the revoked token, then one 200 with a new token',
      );
      story.check(
        main.tokenRequests() - before === 1,
        'exactly 1 extra token request',
        `${main.tokenRequests() - before} were sent`,
      );
    });
  } else {
    story.skip('A revoked token is healed by one retry', 'needs control of the servers (embedded mode only)');
  }

  const stream = target.stream;
  if (stream) {
    await story.step('An SSE stream read to its end', async () => {
      const before = main.tokenRequests();
      const response = await main.client.requestCore<Readable>(stream);
      story.line(
        `${describeCall(stream)} → ${response.status}, ${String(response.headers['content-type'] ?? 'no content-type')}`,
      );
      const shown = 6;
      let eventCount = 0;
      const { ended, events } = await readEvents(response.data, (event, data) => {
        const count = ++eventCount;
        if (count <= shown) story.line(`  event ${event}: ${data.length > 60 ? `${data.slice(0, 60)}…` : data}`);
        else if (count === shown + 1) story.line('  …');
      });
      story.check(isSuccess(response.status), 'the stream was accepted', `HTTP ${response.status}`);
      story.check(ended, `read to its end (${plural(events.length, 'event')})`);
      if (servers) {
        const messages = events.filter(event => event === 'message').length;
        story.check(
          messages === 5 && events[events.length - 1] === 'done',
          '5 message events, then done',
          `events: ${events.join(', ')}`,
        );
      } else {
        story.check(events.length > 0, 'at least one event arrived', 'none did');
      }
      story.check(
        main.tokenRequests() === before,
        `no new token request: the cached one has more than ${STREAM_MIN_LIFETIME_MS / 1000} s left`,
        `${main.tokenRequests() - before} were sent`,
      );
    });
  } else {
    story.skip('An SSE stream read to its end', 'give --stream-path to read one');
  }

  if (target.tryWrongSecret) {
    const byKey = 'privateKey' in target.credential;
    await story.step(`A wrong ${byKey ? 'private key' : 'client secret'} gives a clear TokenRequestError`, async () => {
      const wrongOne = wrongCredential(target.credential);
      const wrong = wire(target, wrongOne, { retry: false }, managers);
      const apiBefore = servers?.kagenti.requests.length ?? 0;
      let caught: unknown;
      try {
        await wrong.client.requestCore(call);
      } catch (error) {
        caught = error;
      }
      story.line(caught === undefined ? 'the call succeeded?!' : describeError(caught));
      story.check(
        caught instanceof TokenRequestError,
        'the caller got a TokenRequestError',
        caught === undefined ? 'the call succeeded' : `got ${describeError(caught)}`,
      );
      if (!(caught instanceof TokenRequestError)) return;
      story.check(
        caught.error === 'invalid_client' && caught.status === 401,
        'error invalid_client, HTTP 401',
        `error ${caught.error}, HTTP ${caught.status}`,
      );
      const rendered = [caught.message, caught.stack ?? '', JSON.stringify(caught)].join('\n');
      const secrets = [wrongOne, target.credential].map(c =>
        'clientSecret' in c ? c.clientSecret : c.privateKey.split('\n')[1],
      );
      story.check(
        secrets.every(secret => !rendered.includes(secret)),
        `neither ${byKey ? 'key' : 'secret'} appears in the error`,
      );
      if (target.clientAuthentication === 'private_key_jwt' || target.clientAuthentication === 'client_secret_jwt') {
        story.check(
          /Client Authenticator "Signed JWT/.test(caught.message) && /local time is/.test(caught.message),
          'the message says what to check: the Keycloak client authenticator, aud and the clock',
        );
      }
      if (servers) {
        story.check(servers.kagenti.requests.length === apiBefore, 'nothing was sent to the API', 'the API got a request');
      }
    });
  } else {
    story.skip(
      'A wrong client secret gives a clear TokenRequestError',
      'add --try-wrong-secret to send one failing token request',
    );
  }
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseRemoteTarget>;
  try {
    parsed = parseRemoteTarget(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`demo: ${message}\n\nRun "npm run demo -- --help" for usage.`);
    return 2;
  }
  if (parsed.help) {
    console.log(usage());
    return 0;
  }

  const cleanups: Array<() => Promise<void> | void> = [];
  const managers: KeycloakTokenManager[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaned ??= (async () => {
      for (const manager of managers) manager.close();
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          console.error(`demo: cleanup failed: ${describeError(error)}`);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\ndemo: ${signal}, stopping`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const started = Date.now();
  const story = new Story();
  const demoMetrics = startDemoMetrics();
  try {
    const target = parsed.target ?? (await startEmbedded(cleanups, parsed.embeddedClientAuth));
    await tell(target, story, managers);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`demo: ${error.message}`);
      return 2;
    }
    console.error(`\ndemo: stopped by an unexpected error: ${describeError(error)}`);
    story.outcomes.push({ title: 'the demo ran to the end', status: 'failed' });
  } finally {
    const table = await demoMetrics.table();
    await cleanUp();
    await demoMetrics.stop();
    console.log(table);
  }
  const ok = story.summary();
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok ? 0 : 1;
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(`demo: ${describeError(error)}`);
    process.exit(1);
  },
);
