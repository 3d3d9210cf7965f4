/**
 * Properties of one `getToken()` against arbitrary token-endpoint answers.
 *
 * Every answer is produced by axios-mock-adapter from generated parts (status, headers, body
 * as text or raw bytes), or is a network error, or never comes. An independent oracle, written
 * from the documented rules rather than from the parser, says what the answer must lead to.
 */
import axios, { AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import fc from 'fast-check';
import {
  KeycloakTokenManager,
  MAX_TOKEN_LIFETIME_MS,
  TokenRequestError,
  UNKNOWN_EXPIRY_USABLE_MS,
  type TokenRequestErrorCode,
} from '../../lib';
import { propertyRuns } from '../helpers/propertyRuns';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { RecordingLogger } from '../helpers/RecordingLogger';
import { findLeak, secretForms, serializeEveryWay } from '../helpers/secretScan';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, type MockReply } from '../helpers/tokenEndpointMock';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

jest.setTimeout(60_000);

// ---------------------------------------------------------------------------------------------
// What the endpoint does
// ---------------------------------------------------------------------------------------------

type Body = { type: 'none' } | { type: 'text'; text: string } | { type: 'bytes'; bytes: Uint8Array };

/** When the answer comes, relative to `timeoutMs`: `over` means after the manager gave up. */
type Delay = 'none' | 'short' | 'justUnder' | 'over';

interface HttpReply {
  kind: 'http';
  status: number;
  headers: Record<string, string>;
  body: Body;
  delay: Delay;
}
interface NetworkReply {
  kind: 'network';
  code: string | undefined;
  message: string;
}
interface SilentReply {
  kind: 'silent';
}
type WireReply = HttpReply | NetworkReply | SilentReply;

/** Placeholders a generated text may hold; replaced with what was really sent. */
interface WireValues {
  token: string;
  secret: string;
  basic: string;
  requestBody: string;
}

function fill(template: string, values: WireValues): string {
  return template
    .split('{token}')
    .join(values.token)
    .split('{secret}')
    .join(values.secret)
    .split('{secretForm}')
    .join(new URLSearchParams([['', values.secret]]).toString().slice(1))
    .split('{basic}')
    .join(values.basic)
    .split('{body}')
    .join(values.requestBody);
}

function mockBody(body: Body): unknown {
  switch (body.type) {
    case 'none':
      return undefined;
    case 'text':
      return body.text;
    case 'bytes':
      return Buffer.from(body.bytes);
  }
}

function delayMs(delay: Delay, timeoutMs: number): number {
  switch (delay) {
    case 'none':
      return 0;
    case 'short':
      return Math.floor(timeoutMs / 2);
    case 'justUnder':
      return timeoutMs - 1;
    case 'over':
      return timeoutMs + 1;
  }
}

function answer(
  reply: WireReply,
  config: AxiosRequestConfig,
  clock: FakeClock,
  timeoutMs: number,
): MockReply | Promise<MockReply> {
  switch (reply.kind) {
    case 'silent':
      return new Promise<MockReply>(() => undefined);
    case 'network':
      throw new AxiosError(reply.message, reply.code, config as InternalAxiosRequestConfig);
    case 'http': {
      const response: MockReply = [reply.status, mockBody(reply.body), reply.headers];
      const ms = delayMs(reply.delay, timeoutMs);
      if (ms === 0) return response;
      return new Promise<MockReply>(resolve => clock.setTimeout(() => resolve(response), ms));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The oracle: the documented rules, stated independently of the parser
// ---------------------------------------------------------------------------------------------

const HEADER_SAFE = /^[\x21-\x7e]+$/;
const NUMERIC_STRING = /^\s*\d+(\.\d+)?\s*$/;

type Expected =
  | { ok: true; token: string; usableMs: number }
  | { ok: false; codes: readonly TokenRequestErrorCode[]; status: number | undefined; transient: boolean };

function bodyText(body: Body): string {
  if (body.type === 'none') return '';
  if (body.type === 'text') return body.text;
  return Buffer.from(body.bytes).toString('utf8');
}

function parsedBody(body: Body): unknown {
  try {
    return JSON.parse(bodyText(body)) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * How long a token is handed out: `expires_in·1000 − buffer` (a number, or a string of
 * decimal digits); half of `expires_in` when that is not above the buffer; 30 s when
 * `expires_in` is missing or unusable; the lifetime capped at one day before all that.
 */
function usableMs(expiresIn: unknown, bufferMs: number): number {
  const seconds = typeof expiresIn === 'string' && NUMERIC_STRING.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return UNKNOWN_EXPIRY_USABLE_MS;
  const lifetime = Math.min(seconds * 1000, MAX_TOKEN_LIFETIME_MS);
  return lifetime > bufferMs ? lifetime - bufferMs : lifetime / 2;
}

function expected(reply: WireReply, bufferMs: number): Expected {
  const fail = (codes: readonly TokenRequestErrorCode[], status: number | undefined, transient: boolean): Expected => ({
    ok: false,
    codes,
    status,
    transient,
  });
  if (reply.kind === 'silent' || (reply.kind === 'http' && reply.delay === 'over'))
    return fail(['TOKEN_ENDPOINT_TIMEOUT'], undefined, true);
  if (reply.kind === 'network') {
    if (reply.code === 'ECONNABORTED' || reply.code === 'ETIMEDOUT') return fail(['TOKEN_ENDPOINT_TIMEOUT'], undefined, true);
    if (reply.code === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(reply.message)) {
      return fail(['TOKEN_RESPONSE_INVALID'], undefined, false);
    }
    return fail(['TOKEN_ENDPOINT_UNREACHABLE'], undefined, true);
  }
  const { status } = reply;
  if (status >= 300 && status < 400) return fail(['TOKEN_ENDPOINT_REDIRECT'], status, false);
  const value = parsedBody(reply.body);
  const hasOAuthError = isRecord(value) && typeof value.error === 'string' && namesAnError(value.error);
  if (status < 200 || status >= 300) {
    const transient = status >= 500 || status === 429 || status === 408;
    return fail([hasOAuthError ? 'TOKEN_ENDPOINT_OAUTH_ERROR' : 'TOKEN_ENDPOINT_HTTP_ERROR'], status, transient);
  }
  if (!isRecord(value)) return fail(['TOKEN_RESPONSE_INVALID'], status, false);
  const accessToken = value.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    return fail([hasOAuthError ? 'TOKEN_ENDPOINT_OAUTH_ERROR' : 'TOKEN_RESPONSE_INVALID'], status, false);
  }
  if (!HEADER_SAFE.test(accessToken)) return fail(['TOKEN_RESPONSE_INVALID'], status, false);
  const tokenType = value.token_type;
  if (tokenType !== undefined && !(typeof tokenType === 'string' && tokenType.toLowerCase() === 'bearer')) {
    return fail(['TOKEN_RESPONSE_INVALID'], status, false);
  }
  return { ok: true, token: accessToken, usableMs: usableMs(value.expires_in, bufferMs) };
}

function hasHeader(reply: WireReply, name: string): boolean {
  return reply.kind === 'http' && reply.delay !== 'over' && Object.keys(reply.headers).some(key => key.toLowerCase() === name);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const visibleAscii = fc.integer({ min: 0x21, max: 0x7e }).map(code => String.fromCharCode(code));
const validTokenArb = fc.string({ unit: visibleAscii, minLength: 1, maxLength: 40 });
const jwtLikeArb = fc
  .tuple(fc.base64String({ minLength: 4, maxLength: 24 }), fc.base64String({ minLength: 4, maxLength: 24 }))
  .map(([a, b]) => `eyJ${a.replace(/=/g, '')}.${b.replace(/=/g, '')}.sig-_~+/`);

const accessTokenArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: validTokenArb },
  { weight: 2, arbitrary: jwtLikeArb },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', 'a b', 'tok\r\nX-Injected: 1', 'tök', 'tok\u0000', '\u007f', 'tok\t', 'токен'),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const expiresInArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }),
  fc.constantFrom(0, -0, 1, 2, 59, 60, 61, 300, 86_400, 86_401, 1e12, 1e308, 1e-300, 0.5, 1.5, 59.999),
  fc.double(),
  fc.nat().map(String),
  fc.constantFrom(
    ' 300 ',
    '300',
    '1.5',
    '1e3',
    '-5',
    '0',
    '0x10',
    '',
    'Infinity',
    'NaN',
    '300s',
    '\t42\n',
    '9'.repeat(400),
    '١٢٣',
  ),
  fc.jsonValue({ maxDepth: 1 }),
  fc.constant(undefined),
  fc.constant(null),
);

const tokenTypeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.mixedCase(fc.constant('bearer')) },
  { weight: 3, arbitrary: fc.constantFrom('mac', 'DPoP', 'Bearer ', ' bearer', 'bearer\u0000', 'N_A', '', 'Basic') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

const textArb = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }));

const oauthErrorArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('invalid_client', 'unauthorized_client', 'invalid_scope', 'temporarily_unavailable', ''),
  },
  { weight: 1, arbitrary: textArb },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

const tokenObjectArb = fc
  .record({
    extra: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    access_token: accessTokenArb,
    expires_in: expiresInArb,
    token_type: tokenTypeArb,
    error: oauthErrorArb,
    error_description: fc.option(textArb, { nil: undefined }),
    scope: fc.option(fc.constantFrom('', 'openid', 'kagenti profile'), { nil: undefined }),
  })
  .map(({ extra, ...fields }) => ({ ...extra, ...fields }));

const jsonTextArb = fc.oneof(
  { weight: 4, arbitrary: tokenObjectArb.map(object => JSON.stringify(object)) },
  { weight: 1, arbitrary: tokenObjectArb.map(object => `\n ${JSON.stringify(object, null, 2)}\r\n`) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
);

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 10, arbitrary: jsonTextArb.map(text => ({ type: 'text' as const, text })) },
  {
    weight: 2,
    arbitrary: jsonTextArb.map(text => ({ type: 'bytes' as const, bytes: new Uint8Array(Buffer.from(text, 'utf8')) })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }).map(bytes => ({ type: 'bytes' as const, bytes })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 48 }).map(text => ({ type: 'text' as const, text })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', '   ', 'null', '[]', '"token"', '42', '<html><body>Login</body></html>', '{', '{"access_token":"x"')
      .map(text => ({ type: 'text' as const, text })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'none' as const }) },
);

const statusArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant(200) },
  { weight: 2, arbitrary: fc.constantFrom(201, 204, 299) },
  { weight: 2, arbitrary: fc.constantFrom(301, 302, 303, 304, 307, 308) },
  { weight: 3, arbitrary: fc.constantFrom(400, 401, 403, 404, 405, 408, 429) },
  { weight: 3, arbitrary: fc.constantFrom(500, 502, 503, 504) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 599 }) },
);

const contentTypeArb = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json;charset=UTF-8',
    'APPLICATION/JSON; charset=utf-8',
    'text/html; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    '',
  ),
  fc.string({ maxLength: 20 }),
);

const START = new FakeClock().now();
const retryAfterArb = fc.oneof(
  fc.integer({ min: 0, max: 10 }).map(String),
  fc.constantFrom('  2 ', '99999999999999999999', '-1', '1.5', 'soon', ''),
  fc.integer({ min: -5_000, max: 10_000 }).map(offset => new Date(START + offset).toUTCString()),
);

const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .record({
    contentType: fc.option(contentTypeArb, { nil: undefined }),
    retryAfter: fc.option(retryAfterArb, { nil: undefined }),
    location: fc.option(fc.constantFrom('https://keycloak.test/auth/realms/kagenti/token', '/login?next=x', 'http://[::1', ''), {
      nil: undefined,
    }),
    upper: fc.boolean(),
  })
  .map(({ contentType, retryAfter, location, upper }) => {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers[upper ? 'Content-Type' : 'content-type'] = contentType;
    if (retryAfter !== undefined) headers[upper ? 'Retry-After' : 'retry-after'] = retryAfter;
    if (location !== undefined) headers[upper ? 'Location' : 'location'] = location;
    return headers;
  });

const httpReplyArb: fc.Arbitrary<HttpReply> = fc.record({
  kind: fc.constant('http' as const),
  status: statusArb,
  headers: headersArb,
  body: bodyArb,
  delay: fc.constantFrom<Delay>('none', 'none', 'none', 'short', 'justUnder', 'over'),
});

const networkReplyArb: fc.Arbitrary<NetworkReply> = fc.record({
  kind: fc.constant('network' as const),
  code: fc.constantFrom(
    'ECONNREFUSED',
    'ECONNRESET',
    'ENOTFOUND',
    'ETIMEDOUT',
    'ECONNABORTED',
    'EPROTO',
    'ERR_BAD_RESPONSE',
    undefined,
  ),
  message: fc.constantFrom(
    'Network Error',
    'socket hang up',
    'maxContentLength size of 1048576 exceeded',
    'connect ECONNREFUSED',
  ),
});

const replyArb: fc.Arbitrary<WireReply> = fc.oneof(
  { weight: 12, arbitrary: httpReplyArb },
  { weight: 1, arbitrary: networkReplyArb },
  { weight: 1, arbitrary: fc.constant({ kind: 'silent' as const }) },
);

interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

interface Scenario {
  replies: WireReply[];
  retry: RetryOptions | false;
  bufferSeconds: number;
  timeoutMs: number;
  random: number;
  clientSecret: string;
  clientAuthentication: 'client_secret_basic' | 'client_secret_post';
}

const SECRETS = [CLIENT_SECRET, 'p@ss w0rd:%+é&="\\\'()*!', 'kc-8f1d0c6e5b7a4e39a2c1d0f9e8b7a6c5'] as const;

const scenarioArb = (replies: fc.Arbitrary<WireReply[]>): fc.Arbitrary<Scenario> =>
  fc.record({
    replies,
    retry: fc.oneof(
      fc.constant(false as const),
      fc.record({
        maxAttempts: fc.integer({ min: 1, max: 3 }),
        baseDelayMs: fc.constantFrom(0, 1, 200),
        maxDelayMs: fc.constantFrom(0, 1_000, 5_000),
      }),
    ),
    bufferSeconds: fc.constantFrom(0, 0.5, 1, 60, 300),
    timeoutMs: fc.constantFrom(1, 1_000, 10_000),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    clientSecret: fc.constantFrom(...SECRETS),
    clientAuthentication: fc.constantFrom('client_secret_basic' as const, 'client_secret_post' as const),
  });

// ---------------------------------------------------------------------------------------------
// Running one scenario
// ---------------------------------------------------------------------------------------------

type Settled = { status: 'fulfilled'; value: string } | { status: 'rejected'; reason: unknown };

interface Harness {
  clock: FakeClock;
  logger: RecordingLogger;
  manager: KeycloakTokenManager;
  /** Every token request, in order: when it reached the endpoint and what it got. */
  sent: Array<{ at: number; reply: WireReply; values: WireValues }>;
  /** After this, requests get a plain valid token (`next-N`, 300 s) instead of the script. */
  endScript(): void;
  maxAttempts: number;
  /** Time after which a getToken() must have settled, whatever the endpoint does. */
  budgetMs: number;
}

function harness(
  scenario: Scenario,
  replyFor: (index: number, config: AxiosRequestConfig, values: WireValues) => WireReply | undefined,
): Harness {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const http = axios.create();
  const mock = new MockAdapter(http, { onNoMatch: 'throwException' });
  const sent: Harness['sent'] = [];
  let scripted = true;
  let next = 0;
  mock.onPost(TOKEN_ENDPOINT).reply(config => {
    const headers = config.headers as Record<string, unknown> | undefined;
    const values: WireValues = {
      token: '',
      secret: scenario.clientSecret,
      basic: typeof headers?.Authorization === 'string' ? headers.Authorization : '',
      requestBody: typeof config.data === 'string' ? config.data : '',
    };
    const scriptedReply = scripted ? replyFor(sent.length, config, values) : undefined;
    const reply: WireReply = scriptedReply ?? {
      kind: 'http',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { type: 'text', text: JSON.stringify({ access_token: `next-${++next}`, token_type: 'Bearer', expires_in: 300 }) },
      delay: 'none',
    };
    sent.push({ at: clock.now(), reply, values });
    return answer(reply, config, clock, scenario.timeoutMs);
  });
  const maxAttempts = scenario.retry === false ? 1 : scenario.retry.maxAttempts;
  const maxDelayMs = scenario.retry === false ? 0 : scenario.retry.maxDelayMs;
  const manager = new KeycloakTokenManager({
    tokenEndpoint: TOKEN_ENDPOINT,
    clientId: CLIENT_ID,
    clientSecret: scenario.clientSecret,
    clientAuthentication: scenario.clientAuthentication,
    httpClient: http,
    now: clock.now,
    timers: clock,
    random: () => scenario.random,
    logger,
    retry: scenario.retry,
    refreshAhead: false,
    tokenExpiryBufferSeconds: scenario.bufferSeconds,
    timeoutMs: scenario.timeoutMs,
  });
  return {
    clock,
    logger,
    manager,
    sent,
    endScript: () => {
      scripted = false;
    },
    maxAttempts,
    budgetMs: maxAttempts * (scenario.timeoutMs + maxDelayMs) + 1,
  };
}

/** Settles `promise` without real waiting: first lets promises run, then moves the fake clock by `budgetMs`. */
async function settleWithin(promise: Promise<string>, clock: FakeClock, budgetMs: number): Promise<Settled> {
  let settled: Settled | undefined;
  promise.then(
    value => {
      settled = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      settled = { status: 'rejected', reason };
    },
  );
  await flushPromises();
  if (!settled) await clock.advance(budgetMs);
  if (!settled) throw new Error(`getToken() had not settled ${budgetMs} ms (fake) after the call: it hangs`);
  return settled;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

async function checkOneGetToken(scenario: Scenario): Promise<void> {
  const h = harness(scenario, index => scenario.replies[index]);
  const { clock, manager, sent } = h;
  const outcome = await settleWithin(manager.getToken(), clock, h.budgetMs);
  h.endScript();

  // Retries: only transient failures are retried, never more than maxAttempts in all.
  expect(sent.length).toBeGreaterThanOrEqual(1);
  expect(sent.length).toBeLessThanOrEqual(h.maxAttempts);
  for (const earlier of sent.slice(0, -1)) {
    const verdict = expected(earlier.reply, scenario.bufferSeconds * 1000);
    if (verdict.ok || !verdict.transient) {
      throw new Error(`retried after an answer that is not a transient failure: ${JSON.stringify(verdict)}`);
    }
  }
  const last = sent[sent.length - 1];
  const verdict = expected(last.reply, scenario.bufferSeconds * 1000);
  if (!verdict.ok && verdict.transient && sent.length < h.maxAttempts && !hasHeader(last.reply, 'retry-after')) {
    throw new Error(`gave up after ${sent.length} of ${h.maxAttempts} attempts on a transient failure without Retry-After`);
  }

  const forbidden = secretForms(CLIENT_ID, scenario.clientSecret);

  if (verdict.ok) {
    if (outcome.status !== 'fulfilled') throw new Error(`rejected a valid token response: ${describeError(outcome.reason)}`);
    expect(outcome.value).toBe(verdict.token);
    expect(outcome.value).toMatch(HEADER_SAFE);
    // Cached for exactly the documented time, counted from when the request was sent.
    const usableUntil = last.at + verdict.usableMs;
    expect(manager.cachedTokenUsableUntil).toBe(usableUntil);
    expect(manager.isFetching).toBe(false);

    const count = sent.length;
    const lastServed = Math.ceil(usableUntil) - 1;
    if (lastServed >= clock.now()) {
      clock.set(lastServed);
      await expect(manager.getToken()).resolves.toBe(verdict.token);
      expect(sent.length).toBe(count);
    }
    clock.set(Math.max(clock.now(), Math.ceil(usableUntil)));
    const refreshed = await settleWithin(manager.getToken(), clock, h.budgetMs);
    expect(sent.length).toBe(count + 1);
    const fresh = expected(sent[count].reply, scenario.bufferSeconds * 1000);
    expect(refreshed).toEqual({ status: 'fulfilled', value: fresh.ok ? fresh.token : '(not a token)' });
  } else {
    if (outcome.status !== 'rejected')
      throw new Error(`resolved "${outcome.value}" from an invalid answer; expected ${verdict.codes.join('|')}`);
    const error = outcome.reason;
    if (!(error instanceof TokenRequestError))
      throw new Error(`rejected with something other than a TokenRequestError: ${describeError(error)}`);
    expect(verdict.codes).toContain(error.code);
    expect(error.status).toBe(verdict.status);
    expect(error.transient).toBe(verdict.transient);
    // Nothing invalid is ever cached, and nothing is left running.
    expect(manager.cachedTokenUsableUntil).toBeUndefined();
    expect(manager.isFetching).toBe(false);
    expect(findLeak(serializeEveryWay(error), forbidden)).toBeUndefined();
  }
  expect(findLeak(h.logger.text(), forbidden)).toBeUndefined();
  manager.close();
}

describe('token response property', () => {
  let unhandled: ReturnType<typeof trackUnhandledRejections>;
  beforeEach(() => {
    unhandled = trackUnhandledRejections();
  });
  afterEach(() => {
    unhandled.dispose();
  });

  it('any endpoint answer gives a valid, correctly cached token or a TokenRequestError, never a hang or a cached invalid token', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(fc.array(replyArb, { minLength: 1, maxLength: 3 })), async scenario => {
        await checkOneGetToken(scenario);
        await flushPromises(2);
        expect(unhandled.reasons).toEqual([]);
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  // -------------------------------------------------------------------------------------------
  // No secret and no access token in any error, whatever the endpoint echoes back
  // -------------------------------------------------------------------------------------------

  /** A text made of placeholders for what was sent (and the body's own token) and bits of noise. */
  const echoArb = fc
    .array(
      fc.oneof(
        fc.constantFrom('{token}', '{secret}', '{secretForm}', '{basic}', '{body}'),
        fc.constantFrom(' ', 'upstream said: ', '"', '\n', 'Bearer ', '…'),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map(parts => parts.join(''));

  interface EchoScenario {
    scenario: Scenario;
    status: number;
    token: string;
    error: string | undefined;
    errorDescription: string | undefined;
    tokenType: string | undefined;
    contentType: string | undefined;
    network: string | undefined;
  }

  /** Tokens long and distinctive enough that finding one in a message means it was copied there. */
  const distinctiveTokenArb = fc
    .tuple(fc.string({ unit: visibleAscii, minLength: 12, maxLength: 40 }), fc.base64String({ minLength: 8, maxLength: 16 }))
    .map(([a, b]) => `${a}${b}`);

  const echoScenarioArb: fc.Arbitrary<EchoScenario> = fc.record({
    scenario: scenarioArb(fc.constant([])),
    status: fc.constantFrom(200, 400, 401, 403, 404, 429, 500, 502, 503),
    token: distinctiveTokenArb,
    error: fc.option(echoArb, { nil: undefined }),
    errorDescription: fc.option(echoArb, { nil: undefined }),
    tokenType: fc.option(echoArb, { nil: undefined }),
    contentType: fc.option(echoArb, { nil: undefined }),
    network: fc.option(echoArb, { nil: undefined, freq: 6 }),
  });

  async function checkNoLeak(echo: EchoScenario): Promise<void> {
    const h = harness(echo.scenario, (_index, _config, values) => {
      values.token = echo.token;
      if (echo.network !== undefined) return { kind: 'network', code: 'ECONNRESET', message: fill(echo.network, values) };
      const body: Record<string, unknown> = { access_token: echo.token, token_type: 'Bearer', expires_in: 300 };
      if (echo.error !== undefined) body.error = fill(echo.error, values);
      if (echo.errorDescription !== undefined) body.error_description = fill(echo.errorDescription, values);
      if (echo.tokenType !== undefined) body.token_type = fill(echo.tokenType, values);
      const headers: Record<string, string> = {};
      if (echo.contentType !== undefined) headers['content-type'] = fill(echo.contentType, values);
      return { kind: 'http', status: echo.status, headers, body: { type: 'text', text: JSON.stringify(body) }, delay: 'none' };
    });
    const outcome = await settleWithin(h.manager.getToken(), h.clock, h.budgetMs);
    // A network error has no body, so no access_token the manager could know of: only the secret is checked.
    const forbidden = [
      ...secretForms(CLIENT_ID, echo.scenario.clientSecret),
      ...(echo.network === undefined ? [echo.token, JSON.stringify(echo.token).slice(1, -1)] : []),
    ];
    if (outcome.status === 'rejected') {
      expect(outcome.reason).toBeInstanceOf(TokenRequestError);
      const leak = findLeak(serializeEveryWay(outcome.reason), forbidden);
      if (leak !== undefined) {
        throw new Error(
          `${echo.token === leak || leak.includes(echo.token) ? 'the access_token' : 'a form of the client secret'} ` +
            `(${JSON.stringify(leak)}) is in the error: ${describeError(outcome.reason)}`,
        );
      }
    }
    expect(findLeak(h.logger.text(), forbidden)).toBeUndefined();
    h.manager.close();
  }

  it('no error message, JSON or inspect output holds the client secret or the access_token of the body', async () => {
    await fc.assert(
      fc.asyncProperty(echoScenarioArb, async echo => {
        await checkNoLeak(echo);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  // Shrunk counterexamples of the property above (library bug: for a non-2xx answer the body's
  // access_token is never added to the Redactor, so an echo of it in `error`,
  // `error_description` or the content-type reaches the TokenRequestError message).
  const plainScenario: Scenario = {
    replies: [],
    retry: false,
    bufferSeconds: 0,
    timeoutMs: 1,
    random: 0,
    clientSecret: CLIENT_SECRET,
    clientAuthentication: 'client_secret_basic',
  };
  const echoOf = (status: number, fields: Partial<EchoScenario>): EchoScenario => ({
    scenario: plainScenario,
    status,
    token: '!!!!!!!!!!!!AAAAAAAA',
    error: undefined,
    errorDescription: undefined,
    tokenType: undefined,
    contentType: undefined,
    network: undefined,
    ...fields,
  });

  it('regression: a 503 whose error_description echoes the access_token of its body does not put it in the error', async () => {
    await checkNoLeak(echoOf(503, { error: ' ', errorDescription: '{token} ' }));
  });

  it('regression: a 500 whose error echoes the access_token of its body does not put it in the error', async () => {
    await checkNoLeak(echoOf(500, { error: '{token}' }));
  });

  it('regression: a 404 whose content-type echoes the access_token of its body does not put it in the error', async () => {
    await checkNoLeak(echoOf(404, { contentType: '{token} ' }));
  });

  // -------------------------------------------------------------------------------------------
  // Retry-After is measured on the injected clock
  // -------------------------------------------------------------------------------------------

  interface RetryAfterCase {
    seconds: number;
    form: 'delay-seconds' | 'http-date';
  }

  async function checkRetryAfter({ seconds, form }: RetryAfterCase): Promise<void> {
    const scenario: Scenario = {
      replies: [],
      retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 5_000 },
      bufferSeconds: 0,
      timeoutMs: 1_000,
      random: 0,
      clientSecret: CLIENT_SECRET,
      clientAuthentication: 'client_secret_basic',
    };
    const h = harness(scenario, (index, _config, _values) => {
      if (index > 0) return undefined;
      const value = form === 'delay-seconds' ? String(seconds) : new Date(h.clock.now() + seconds * 1000).toUTCString();
      return { kind: 'http', status: 503, headers: { 'retry-after': value }, body: { type: 'none' }, delay: 'none' };
    });
    let settled: Settled | undefined;
    h.manager.getToken().then(
      value => {
        settled = { status: 'fulfilled', value };
      },
      (reason: unknown) => {
        settled = { status: 'rejected', reason };
      },
    );
    await flushPromises();
    if (seconds * 1000 > 5_000) {
      // More than maxDelayMs asked for: give up at once, reporting the wait.
      expect(h.sent).toHaveLength(1);
      expect(settled?.status).toBe('rejected');
      const reason = settled?.status === 'rejected' ? settled.reason : undefined;
      expect(reason).toBeInstanceOf(TokenRequestError);
      expect((reason as TokenRequestError).retryAfterMs).toBe(seconds * 1000);
    } else {
      if (seconds > 0) {
        await h.clock.advance(seconds * 1000 - 1);
        if (h.sent.length !== 1) {
          throw new Error(
            `retried after ${h.sent[1].at - h.sent[0].at} ms although Retry-After (${form}) asked for ${seconds * 1000} ms`,
          );
        }
      }
      await h.clock.advance(1);
      expect(h.sent).toHaveLength(2);
      expect(settled).toEqual({ status: 'fulfilled', value: 'next-1' });
    }
    h.manager.close();
  }

  const retryAfterCaseArb: fc.Arbitrary<RetryAfterCase> = fc.record({
    seconds: fc.integer({ min: 0, max: 30 }),
    form: fc.constantFrom('delay-seconds' as const, 'http-date' as const),
  });

  it('a Retry-After (delay-seconds or HTTP date) is waited out on the injected clock, or given up on when above maxDelayMs', async () => {
    await fc.assert(fc.asyncProperty(retryAfterCaseArb, checkRetryAfter), { numRuns: propertyRuns(60) });
  });

  // Shrunk counterexample (library bug: an HTTP-date Retry-After is measured against the real
  // Date.now(), not the manager's `now`, so on any other clock it is misread).
  it('regression: a Retry-After HTTP date one second ahead of the injected clock is waited out', async () => {
    await checkRetryAfter({ seconds: 1, form: 'http-date' });
  });

  it('regression: a Retry-After HTTP date beyond maxDelayMs on the injected clock is given up on at once', async () => {
    await checkRetryAfter({ seconds: 6, form: 'http-date' });
  });
});

/** Whether an OAuth `error` names one: white space and control characters alone name none (RFC 6749 §5.2). */
function namesAnError(error: string): boolean {
  // eslint-disable-next-line no-control-regex
  return error.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, '') !== '';
}
