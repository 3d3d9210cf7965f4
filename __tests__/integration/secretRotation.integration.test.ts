// A client secret rotated under steady traffic, as Keycloak's client secret rotation policy does
// it (the old secret still accepted for a grace period) and as Kubernetes delivers it (a mounted
// Secret file rewritten in place): a real oidc-provider token server, a fake Kagenti API that
// introspects every token there, and `clientSecretFile`. Counts come from what the servers saw.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import axios from 'axios';
import { installKeycloakAuth, KeycloakTokenManager } from '../../lib';
import { startKagentiServer, type KagentiServerHandle } from '../../test-servers/startKagentiServer';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

/** Tokens live 4 s; with a 1 s buffer each is usable 3 s, refreshed ahead at about 2.55 s. */
const TTL_SECONDS = 4;
const REQUEST_EVERY_MS = 50;

let tokenServer: TokenServerHandle;
let kagenti: KagentiServerHandle;
let folder: string;
let unhandled: ReturnType<typeof trackUnhandledRejections>;
const managers: KeycloakTokenManager[] = [];

beforeAll(async () => {
  unhandled = trackUnhandledRejections();
  folder = mkdtempSync(path.join(tmpdir(), 'kagenti-secret-rotation-'));
  tokenServer = await startTokenServer({ ttlSeconds: TTL_SECONDS });
  kagenti = await startKagentiServer({
    introspectionEndpoint: tokenServer.introspectionEndpoint,
    introspectionClient: tokenServer.clients.api,
  });
}, 20_000);

afterAll(async () => {
  for (const manager of managers) manager.close();
  await Promise.all([tokenServer?.stop(), kagenti?.close()]);
  rmSync(folder, { recursive: true, force: true });
  unhandled?.dispose();
});

afterEach(() => expect(unhandled.reasons).toEqual([]));

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A manager reading the basic client's secret from a file, and an axios instance on Kagenti. */
function replica(secretFile: string, failureCooldownMs?: number) {
  const client = tokenServer.clients.basic;
  writeFileSync(secretFile, `${client.secret}\n`);
  const manager = new KeycloakTokenManager({
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: client.id,
    clientSecretFile: secretFile,
    tokenExpiryBufferSeconds: 1,
    httpClient: axios.create({ proxy: false }),
    ...(failureCooldownMs === undefined ? {} : { failureCooldownMs }),
  });
  managers.push(manager);
  const api = axios.create({ baseURL: kagenti.url, proxy: false });
  installKeycloakAuth(api, manager);
  return { manager, api };
}

/** Open-loop traffic: one request every 50 ms until `stop()`; resolves to what became of each. */
function steadyTraffic(api: ReturnType<typeof axios.create>) {
  const outcomes: Array<Promise<{ at: number; failure?: string }>> = [];
  const timer = setInterval(() => {
    const at = Date.now();
    outcomes.push(
      api.get('/api/v1/agents').then(
        () => ({ at }),
        (error: unknown) => ({ at, failure: String((error as { code?: string }).code ?? error) }),
      ),
    );
  }, REQUEST_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      return Promise.all(outcomes);
    },
  };
}

async function tokenRequestLog() {
  const { log } = (await tokenServer.stats()).tokenRequests;
  return log.filter(entry => entry.clientId === tokenServer.clients.basic.id);
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out waiting for the token server');
    await sleep(50);
  }
}

describe('a client secret rotated through clientSecretFile under steady traffic', () => {
  beforeEach(() => tokenServer.reset({ tokens: true }));

  it('fails no request when the file is rewritten within the grace period, and the old secret is then refused', async () => {
    const file = path.join(folder, 'within-grace');
    const { api } = replica(file);
    const traffic = steadyTraffic(api);
    await sleep(1_000);
    await tokenServer.rotateSecret(tokenServer.clients.basic, 'rotated-within-grace', 2);
    const graceEnds = Date.now() + 2_000;
    await sleep(1_000);
    writeFileSync(file, 'rotated-within-grace\n');
    await sleep(6_000);
    const outcomes = await traffic.stop();

    const failures = outcomes.filter(outcome => outcome.failure);
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);
    const log = await tokenRequestLog();
    expect(log.filter(entry => entry.secretRefused)).toEqual([]);
    // Token requests went on after the old secret stopped working: the new one was read from the file.
    const afterGrace = log.filter(entry => entry.at > graceEnds && entry.status === 200);
    expect(afterGrace.length).toBeGreaterThanOrEqual(2);
    // About one per 2.55 s of refresh-ahead over 8 s: no request was spent on the rotation.
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log.length).toBeLessThanOrEqual(6);
  }, 30_000);

  it('fails no request when the file is rewritten only after the old secret was refused: the cool-down does not hold a changed secret', async () => {
    const file = path.join(folder, 'after-grace');
    // A cool-down far longer than the run: holding invalid_client for it would fail every request after the token expires.
    const { api } = replica(file, 60_000);
    const traffic = steadyTraffic(api);
    await sleep(500);
    await tokenServer.rotateSecret(tokenServer.clients.basic, 'rotated-late', 0);
    // The refresh-ahead with the old secret is refused while the current token still serves.
    const refused = await waitFor(async () => (await tokenRequestLog()).find(entry => entry.secretRefused), 8_000);
    writeFileSync(file, 'rotated-late\n');
    await sleep(4_000);
    const outcomes = await traffic.stop();

    expect(outcomes.filter(outcome => outcome.failure)).toEqual([]);
    const log = await tokenRequestLog();
    const healed = log.filter(entry => entry.at > refused.at && entry.status === 200);
    expect(healed.length).toBeGreaterThanOrEqual(1);
    // Requests kept going after the token that was current at the refusal stopped being usable.
    expect(outcomes.filter(outcome => outcome.at > refused.at + 1_000).length).toBeGreaterThan(20);
  }, 30_000);
});
