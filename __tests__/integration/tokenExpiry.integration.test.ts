// Crossing a token's real expiry: a token server issuing 2-second tokens, a fake Kagenti API
// that introspects every request, and KagentiApiClient with a real KeycloakTokenManager.
//
// oidc-provider stamps iat/exp in whole seconds: a token fetched at t expires at floor(t) + TTL,
// so it really lives between TTL − 1 and TTL seconds. Each test starts at a chosen point inside
// a second so that the outcome does not depend on when the test happens to run.
import { trackUnhandledRejections } from '../helpers/unhandledRejections';
import axios from 'axios';

import { KagentiApiClient, KeycloakTokenManager, type KeycloakTokenManagerOptions } from '../../lib';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { startKagentiServer, type KagentiServerHandle } from '../../test-servers/startKagentiServer';

const TTL_SECONDS = 2;
const STEP_MS = 100;

let tokenServer: TokenServerHandle;
let kagenti: KagentiServerHandle;
const managers: KeycloakTokenManager[] = [];

let unhandled: ReturnType<typeof trackUnhandledRejections>;

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** Waits (under a second) until the wall clock is `fromMs`..`fromMs + 100` ms into a second. */
async function startAtMillisecond(fromMs: number): Promise<void> {
  const offset = Date.now() % 1000;
  if (offset >= fromMs && offset < fromMs + 100) return;
  await sleep((fromMs - offset + 1000) % 1000);
}

function clientWith(options: Partial<KeycloakTokenManagerOptions>): KagentiApiClient {
  const tokens = new KeycloakTokenManager({
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: tokenServer.clients.basic.id,
    clientSecret: tokenServer.clients.basic.secret,
    httpClient: axios.create({ proxy: false }),
    // Off, so that the cache really runs out instead of being renewed in the background.
    refreshAhead: false,
    ...options,
  });
  managers.push(tokens);
  const client = new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: tokens });
  client.axios.defaults.proxy = false;
  return client;
}

interface Outcome {
  at: number;
  status?: number;
  error?: unknown;
}

/**
 * Calls the API every STEP_MS until `first` has been expired at the token server for a while,
 * and returns what every call ended with.
 */
async function callAcrossExpiryOf(client: KagentiApiClient, first: string): Promise<{ outcomes: Outcome[]; expiresAt: number }> {
  const { exp } = await tokenServer.introspect(first);
  expect(typeof exp).toBe('number');
  const expiresAt = exp! * 1000;
  expect(expiresAt - Date.now()).toBeLessThanOrEqual(TTL_SECONDS * 1000);
  const outcomes: Outcome[] = [];
  while (Date.now() < expiresAt + 2 * STEP_MS) {
    const at = Date.now();
    try {
      const response = await client.requestCore({ method: 'GET', path: '/api/v1/agents' });
      outcomes.push({ at, status: response.status });
    } catch (error) {
      outcomes.push({ at, error });
    }
    await sleep(STEP_MS);
  }
  return { outcomes, expiresAt };
}

beforeAll(async () => {
  unhandled = trackUnhandledRejections();
  tokenServer = await startTokenServer({ ttlSeconds: TTL_SECONDS });
  kagenti = await startKagentiServer({
    introspectionEndpoint: tokenServer.introspectionEndpoint,
    introspectionClient: tokenServer.clients.api,
  });
}, 20_000);

afterAll(async () => {
  for (const tokens of managers) tokens.close();
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

it('with a 1 s buffer, swaps to a new token before the old one expires: no 401, one new token', async () => {
  // Fetched at x.5 s: the token expires at x+2 s and is used until x+1.5 s (2 s − 1 s buffer),
  // the next one is fetched then and used until x+2.5 s, after the first really expired.
  await startAtMillisecond(500);
  const client = clientWith({ tokenExpiryBufferSeconds: 1 });
  expect((await client.requestCore({ method: 'GET', path: '/api/v1/agents' })).status).toBe(200);
  const [first] = kagenti.tokensSeen;

  const { outcomes, expiresAt } = await callAcrossExpiryOf(client, first);

  expect(outcomes.filter(outcome => outcome.error !== undefined)).toEqual([]);
  expect(outcomes.filter(outcome => outcome.at > expiresAt).length).toBeGreaterThanOrEqual(1);
  expect((await tokenServer.introspect(first)).active).toBe(false);
  const { tokenRequests } = await tokenServer.stats();
  expect(tokenRequests.total).toBe(2);
  expect(kagenti.requests.filter(request => request.status !== 200)).toEqual([]);

  // Old token until the swap, then only the new one; the old one never used after its expiry.
  const second = kagenti.tokensSeen.find(token => token !== first);
  expect(second).toBeDefined();
  const swap = kagenti.tokensSeen.indexOf(second!);
  expect(kagenti.tokensSeen.slice(0, swap).every(token => token === first)).toBe(true);
  expect(kagenti.tokensSeen.slice(swap).every(token => token === second)).toBe(true);
  expect(swap).toBeGreaterThan(1);
  expect(kagenti.tokensSeen.length - swap).toBeGreaterThan(2);
}, 10_000);

it('with no buffer, the one request that meets the expired token is healed by a retry: no failed request', async () => {
  // Fetched at x.5 s: the token expires at x+2 s but the cache trusts expires_in (2 s) until
  // x+2.5 s, so the first call after x+2 s is refused once, refetches and is retried.
  await startAtMillisecond(500);
  const client = clientWith({ tokenExpiryBufferSeconds: 0 });
  expect((await client.requestCore({ method: 'GET', path: '/api/v1/agents' })).status).toBe(200);
  const [first] = kagenti.tokensSeen;

  const { outcomes, expiresAt } = await callAcrossExpiryOf(client, first);

  expect(outcomes.filter(outcome => outcome.error !== undefined)).toEqual([]);
  expect(outcomes.every(outcome => outcome.status === 200)).toBe(true);
  expect(outcomes.filter(outcome => outcome.at > expiresAt).length).toBeGreaterThanOrEqual(1);
  const { tokenRequests } = await tokenServer.stats();
  expect(tokenRequests.total).toBe(2);

  const refused = kagenti.requests.filter(request => request.status !== 200);
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatchObject({ status: 401, token: first });
  const second = kagenti.tokensSeen.find(token => token !== first);
  const retry = kagenti.requests[kagenti.requests.indexOf(refused[0]) + 1];
  expect(retry).toMatchObject({ status: 200, token: second });
}, 10_000);
