import axios, {
  AxiosError,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { TokenRequestError } from '../../lib';
import { parseRetryAfter, requestClientCredentialsToken } from '../../lib/protocol/requestClientCredentialsToken';
import type { Timers } from '../../lib/util/Timers';
import { rejection } from '../helpers/assertions';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const TOKEN_JSON = JSON.stringify({ access_token: 'token-1', expires_in: 300 });
/** Timers that never fire: these tests end before any time limit. */
const idleTimers: Timers = { setTimeout: () => 1, clearTimeout: () => undefined };

const respond = (config: InternalAxiosRequestConfig, data: unknown): AxiosResponse => ({
  data,
  status: 200,
  statusText: 'OK',
  headers: { 'content-type': 'application/json' },
  config,
});

/** An adapter that answers every request with this status, body and headers. */
const answer =
  (status: number, data: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): AxiosAdapter =>
  async config => ({ data, status, statusText: '', headers, config });

const send = (adapter: AxiosAdapter, signal?: AbortSignal) =>
  requestClientCredentialsToken({
    tokenEndpoint: ENDPOINT,
    authentication: { headers: {}, form: { client_id: 'boost' }, secrets: [] },
    httpClient: axios.create({ adapter }),
    timeoutMs: 5000,
    timers: idleTimers,
    now: () => 0,
    ...(signal ? { signal } : {}),
  });

describe('requestClientCredentialsToken', () => {
  it('refuses an answer larger than the response size limit as not a token response', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 1);
    // Like the Node http adapter: the body is checked against maxContentLength as it arrives.
    const adapter: AxiosAdapter = async config => {
      if (config.maxContentLength !== undefined && config.maxContentLength > -1 && huge.length > config.maxContentLength) {
        throw new AxiosError(`maxContentLength size of ${config.maxContentLength} exceeded`, 'ERR_BAD_RESPONSE', config);
      }
      return respond(config, huge);
    };
    const error = await rejection<TokenRequestError>(send(adapter));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} failed: the answer is larger than 1048576 bytes, so it is not a token response. Check tokenEndpoint.`,
    );
    expect(error.cause).toMatchObject({
      name: 'NetworkError',
      code: 'ERR_BAD_RESPONSE',
      message: 'maxContentLength size of 1048576 exceeded',
    });
  });

  it('says the connection closed, with "reset" when the failure has no code', async () => {
    const error = await rejection<TokenRequestError>(
      send(async () => {
        throw new Error('socket hang up');
      }),
    );
    expect(error.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} failed: the connection closed before a complete answer (reset). Check Keycloak and any proxy in front of it.`,
    );
  });

  it('reads a token response that arrives as an ArrayBuffer', async () => {
    const bytes = new TextEncoder().encode(TOKEN_JSON);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    await expect(send(async config => respond(config, buffer))).resolves.toEqual({ accessToken: 'token-1', expiresIn: 300 });
  });

  it('reads a token response from a stand-in httpClient that gives no headers at all', async () => {
    const httpClient = { request: async () => ({ status: 200, data: TOKEN_JSON }) } as unknown as AxiosInstance;
    await expect(
      requestClientCredentialsToken({
        tokenEndpoint: ENDPOINT,
        authentication: { headers: {}, form: { client_id: 'boost' }, secrets: [] },
        httpClient,
        timeoutMs: 5000,
        timers: idleTimers,
        now: () => 0,
      }),
    ).resolves.toEqual({ accessToken: 'token-1', expiresIn: 300 });
  });

  it('reads the headers of an answer whatever the case of their names', async () => {
    const error = await rejection<TokenRequestError>(
      send(answer(503, '<html>busy</html>', { 'Content-Type': 'text/html', 'Retry-After': '3' })),
    );
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} failed: HTTP 503 (content-type text/html). Keycloak or a proxy in front of it failed; this may pass on its own.`,
    );
    expect(error.retryAfterMs).toBe(3000);
  });

  describe('from a stand-in httpClient whose answers are not axios responses', () => {
    const sendWith = (answer: { status: number; data: unknown; headers?: unknown }) =>
      requestClientCredentialsToken({
        tokenEndpoint: ENDPOINT,
        authentication: { headers: {}, form: { client_id: 'boost' }, secrets: [] },
        httpClient: { request: async () => answer } as unknown as AxiosInstance,
        timeoutMs: 5000,
        timers: idleTimers,
        now: () => 0,
      });

    it('judges an error answer with no headers at all as having no content-type and no Retry-After', async () => {
      const error = await rejection<TokenRequestError>(sendWith({ status: 503, data: 'down' }));
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error.code).toBe('TOKEN_ENDPOINT_HTTP_ERROR');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 503 (no content-type). Keycloak or a proxy in front of it failed; this may pass on its own.`,
      );
      expect(error.retryAfterMs).toBeUndefined();
    });

    it('reads headers given as a plain object by their lower-case names', async () => {
      const error = await rejection<TokenRequestError>(
        sendWith({ status: 429, data: '', headers: { 'content-type': 'text/plain', 'retry-after': '7' } }),
      );
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 429 (content-type text/plain). Keycloak is rate limiting this client; requests are retried later.`,
      );
      expect(error.retryAfterMs).toBe(7000);
    });

    it('takes a header whose value is not one string as absent', async () => {
      const error = await rejection<TokenRequestError>(
        sendWith({ status: 503, data: '', headers: { 'content-type': ['text/html', 'text/plain'], 'retry-after': 7 } }),
      );
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 503 (no content-type). Keycloak or a proxy in front of it failed; this may pass on its own.`,
      );
      expect(error.retryAfterMs).toBeUndefined();
    });
  });

  it('rejects with the signal reason when the caller aborts a request in flight, and aborts the HTTP call', async () => {
    const caller = new AbortController();
    let httpSignal: AbortSignal | undefined;
    const pending = send(config => {
      httpSignal = config.signal as AbortSignal;
      return new Promise(() => undefined);
    }, caller.signal);
    await new Promise(resolve => setImmediate(resolve));
    const reason = new Error('manager closed');
    caller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(httpSignal?.aborted).toBe(true);
    expect(httpSignal?.reason).toBe(reason);
  });

  describe('answers that are not a token', () => {
    it.each([
      ['no body', undefined],
      ['a null body', null],
      ['a body of white space', ' \n\t'],
    ])('calls a 200 with %s an empty body', async (_name, data) => {
      const error = await rejection<TokenRequestError>(send(answer(200, data)));
      expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 200 with an empty body. Check that tokenEndpoint is Keycloak's token endpoint.`,
      );
    });

    it.each(['null', '[]', '"token"'])('calls the JSON %s not an object', async body => {
      const error = await rejection<TokenRequestError>(send(answer(200, body)));
      expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 200 with JSON that is not an object. Check tokenEndpoint.`,
      );
    });

    it.each([
      ['the JSON null', 'null'],
      ['a non-string error', '{"error":42}'],
    ])('calls a 400 with %s an HTTP error, not an OAuth one', async (_name, body) => {
      const error = await rejection<TokenRequestError>(send(answer(400, body)));
      expect(error.code).toBe('TOKEN_ENDPOINT_HTTP_ERROR');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 400 (content-type application/json). Check tokenEndpoint and the client settings in Keycloak.`,
      );
    });

    it('names an OAuth error without a description, and its hint', async () => {
      const error = await rejection<TokenRequestError>(send(answer(400, '{"error":"invalid_scope"}')));
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: invalid_scope (HTTP 400). Check the requested scope: it must be a client scope assigned to the client.`,
      );
      expect(error.errorDescription).toBeUndefined();
    });

    it("uses the method's invalid_client hint for invalid_client only", async () => {
      const withHint = (body: string) =>
        rejection<TokenRequestError>(
          requestClientCredentialsToken({
            tokenEndpoint: ENDPOINT,
            authentication: { headers: {}, form: {}, secrets: [], invalidClientHint: () => 'Check the signing key.' },
            httpClient: axios.create({ adapter: answer(401, body) }),
            timeoutMs: 5000,
            timers: idleTimers,
            now: () => 0,
          }),
        );
      expect((await withHint('{"error":"invalid_client"}')).message).toBe(
        `Token request to ${ENDPOINT} failed: invalid_client (HTTP 401). Check the signing key.`,
      );
      expect((await withHint('{"error":"invalid_scope"}')).message).toBe(
        `Token request to ${ENDPOINT} failed: invalid_scope (HTTP 401). Check the requested scope: it must be a client scope assigned to the client.`,
      );
    });

    it('gives the status of a 200 whose body is not JSON', async () => {
      const error = await rejection<TokenRequestError>(send(answer(200, '<html>login</html>', { 'content-type': 'text/html' })));
      expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', status: 200 });
      expect(error.message).toContain('HTTP 200 with a body that is not JSON (content-type text/html)');
    });

    it('calls a 2xx answer with a non-string error and no access_token a response without a token', async () => {
      const error = await rejection<TokenRequestError>(send(answer(200, '{"error":5}')));
      expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(error.message).toContain('HTTP 200 without an access_token');
    });

    it('names an OAuth error sent with a 2xx status, with its hint', async () => {
      const error = await rejection<TokenRequestError>(send(answer(200, '{"error":"invalid_scope"}')));
      expect(error.code).toBe('TOKEN_ENDPOINT_OAUTH_ERROR');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: invalid_scope (HTTP 200). Check the requested scope: it must be a client scope assigned to the client.`,
      );
      expect(error).toMatchObject({ status: 200, error: 'invalid_scope' });
    });

    it('gives the general client hint for an unknown OAuth error sent with a 2xx status', async () => {
      const error = await rejection<TokenRequestError>(send(answer(200, '{"error":"temporarily_odd"}')));
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: temporarily_odd (HTTP 200). Check tokenEndpoint and the client settings in Keycloak.`,
      );
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR', status: 200, error: 'temporarily_odd' });
    });

    it('calls a 2xx answer with an empty error and no access_token a response without a token', async () => {
      const error = await rejection<TokenRequestError>(send(answer(200, '{"error":""}')));
      expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(error.message).toContain('HTTP 200 without an access_token');
    });

    it('says a redirect without a Location is not followed, naming no target', async () => {
      const error = await rejection<TokenRequestError>(send(answer(307, '', {})));
      expect(error.code).toBe('TOKEN_ENDPOINT_REDIRECT');
      expect(error.message).toMatch(
        new RegExp(`^Token request to ${ENDPOINT} failed: HTTP 307 redirect\\. Redirects are not followed`),
      );
    });

    it('names the redirect target when the Location can be read, and leaves it out when it cannot', async () => {
      const readable = await rejection<TokenRequestError>(
        send(answer(302, '', { location: 'https://sso.test/realms/kagenti/protocol/openid-connect/token?x=1' })),
      );
      expect(readable.message).toContain('HTTP 302 redirect to https://sso.test/realms/kagenti/protocol/openid-connect/token. ');
      const unreadable = await rejection<TokenRequestError>(send(answer(302, '', { location: 'http://[not a host' })));
      expect(unreadable.code).toBe('TOKEN_ENDPOINT_REDIRECT');
      expect(unreadable.message).toBe(
        `Token request to ${ENDPOINT} failed: HTTP 302 redirect. Redirects are not followed for token requests; set tokenEndpoint to the final URL (check http vs https and the /realms/<realm>/protocol/openid-connect/token path).`,
      );
    });

    it('names a token_type that is not a string by its type', async () => {
      const error = await rejection<TokenRequestError>(
        send(answer(200, '{"access_token":"token-1","token_type":7,"expires_in":300}')),
      );
      expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: token_type of type number is not Bearer; only Bearer tokens are supported.`,
      );
    });
  });

  it.each([
    ['invalid_request', 'Check tokenEndpoint and the client settings in Keycloak.'],
    ['invalid_grant', 'Check that the client is enabled in Keycloak.'],
    ['unauthorized_client', 'Check that service accounts ("Service accounts roles") are enabled for the client in Keycloak.'],
  ])('gives the hint for the OAuth error %s', async (oauthError, hint) => {
    const error = await rejection<TokenRequestError>(send(answer(400, JSON.stringify({ error: oauthError }))));
    expect(error.message).toBe(`Token request to ${ENDPOINT} failed: ${oauthError} (HTTP 400). ${hint}`);
  });

  describe('the hint for an HTTP error without an OAuth body', () => {
    it.each([
      [404, 'Check tokenEndpoint: the realm name and the /realms/<realm>/protocol/openid-connect/token path.'],
      [405, 'Check tokenEndpoint: the realm name and the /realms/<realm>/protocol/openid-connect/token path.'],
      [401, 'Check the client id and secret and the client settings in Keycloak.'],
      [403, 'Check the client id and secret and the client settings in Keycloak.'],
      [429, 'Keycloak is rate limiting this client; requests are retried later.'],
      [502, 'Keycloak or a proxy in front of it failed; this may pass on its own.'],
      [418, 'Check tokenEndpoint and the client settings in Keycloak.'],
    ])('HTTP %i: %s', async (status, hint) => {
      const error = await rejection<TokenRequestError>(send(answer(status, '', {})));
      expect(error.message).toBe(`Token request to ${ENDPOINT} failed: HTTP ${status} (no content-type). ${hint}`);
    });
  });

  describe('expires_in', () => {
    const expiresIn = (value: unknown) => send(answer(200, JSON.stringify({ access_token: 'token-1', expires_in: value })));

    it.each([
      [300, 300],
      ['300', 300],
      [' 300', 300],
      ['300 ', 300],
      ['1.5', 1.5],
      ['1.25', 1.25],
    ])('reads %p as %p seconds', async (value, seconds) => {
      await expect(expiresIn(value)).resolves.toEqual({ accessToken: 'token-1', expiresIn: seconds });
    });

    it.each(['x300', '300x', '1.x', '', 0, -5, true])('calls %p invalid', async value => {
      await expect(expiresIn(value)).resolves.toEqual({ accessToken: 'token-1', expiresInProblem: 'invalid' });
    });

    it('calls a missing or null expires_in missing', async () => {
      await expect(expiresIn(undefined)).resolves.toEqual({ accessToken: 'token-1', expiresInProblem: 'missing' });
      await expect(expiresIn(null)).resolves.toEqual({ accessToken: 'token-1', expiresInProblem: 'missing' });
    });
  });

  describe('network failures, by code', () => {
    const failing = (error: unknown) =>
      rejection<TokenRequestError>(
        send(async () => {
          throw error;
        }),
      );
    const networkError = (code: string | undefined, message: string) =>
      Object.assign(new Error(message), code === undefined ? {} : { code });

    it.each([
      [
        'ETIMEDOUT',
        'connect ETIMEDOUT 10.0.0.1:443',
        'TOKEN_ENDPOINT_TIMEOUT',
        'no answer within the time limit (ETIMEDOUT). Check that Keycloak is reachable from this host, or raise timeoutMs (now 5000 ms).',
      ],
      [
        'ECONNABORTED',
        'timeout of 5000ms exceeded',
        'TOKEN_ENDPOINT_TIMEOUT',
        'no answer within the time limit (ECONNABORTED). Check that Keycloak is reachable from this host, or raise timeoutMs (now 5000 ms).',
      ],
      [
        'ECONNRESET',
        'read ECONNRESET',
        'TOKEN_ENDPOINT_UNREACHABLE',
        'the connection closed before a complete answer (ECONNRESET). Check Keycloak and any proxy in front of it.',
      ],
      [
        'ECONNREFUSED',
        'connect ECONNREFUSED 127.0.0.1:8443',
        'TOKEN_ENDPOINT_UNREACHABLE',
        "could not connect (ECONNREFUSED). Check tokenEndpoint's host and port and that Keycloak is running and reachable.",
      ],
      [
        'ERR_NETWORK',
        'Network Error',
        'TOKEN_ENDPOINT_UNREACHABLE',
        "could not connect (ERR_NETWORK). Check tokenEndpoint's host and port and that Keycloak is running and reachable.",
      ],
      [
        'ERR_SOCKET_CONNECTION_TIMEOUT',
        'Socket connection timeout',
        'TOKEN_ENDPOINT_UNREACHABLE',
        "could not connect (ERR_SOCKET_CONNECTION_TIMEOUT). Check tokenEndpoint's host and port and that Keycloak is running and reachable.",
      ],
      [
        'ERR_BAD_RESPONSE',
        'Request failed with a bad response',
        'TOKEN_ENDPOINT_UNREACHABLE',
        'the request could not be completed (ERR_BAD_RESPONSE). Check tokenEndpoint.',
      ],
      [
        'ERR_SOMETHING',
        'mentions maxContentLength without being about it',
        'TOKEN_ENDPOINT_UNREACHABLE',
        'the request could not be completed (ERR_SOMETHING). Check tokenEndpoint.',
      ],
      [undefined, 'boom', 'TOKEN_ENDPOINT_UNREACHABLE', 'the request could not be completed (boom). Check tokenEndpoint.'],
    ])('%s (%s) is %s', async (code, message, expectedCode, expectedMessage) => {
      const error = await failing(networkError(code, message));
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error.code).toBe(expectedCode);
      expect(error.message).toBe(`Token request to ${ENDPOINT} failed: ${expectedMessage}`);
      expect(error.cause).toMatchObject({ name: 'NetworkError', message, ...(code === undefined ? {} : { code }) });
    });

    it('takes a code only when it is a string, and a message only when it is one', async () => {
      const numericCode = await failing({ code: 42, message: 'numeric code' });
      expect(numericCode.message).toBe(
        `Token request to ${ENDPOINT} failed: the request could not be completed (numeric code). Check tokenEndpoint.`,
      );
      const numericMessage = await failing({ code: 'ERR_X', message: 7 });
      expect(numericMessage).toMatchObject({ code: 'TOKEN_ENDPOINT_UNREACHABLE' });
      expect(numericMessage.message).toBe(
        `Token request to ${ENDPOINT} failed: the request could not be completed (ERR_X). Check tokenEndpoint.`,
      );
    });

    it('turns a rejection with no value at all into a TokenRequestError', async () => {
      const error = await failing(undefined);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} failed: the request could not be completed (undefined). Check tokenEndpoint.`,
      );
    });
  });

  describe('text from the server in a message', () => {
    const described = async (description: string) => {
      const body = JSON.stringify({ error: 'invalid_request', error_description: description });
      return (await rejection<TokenRequestError>(send(answer(400, body)))).message;
    };
    const prefix = `Token request to ${ENDPOINT} failed: invalid_request (HTTP 400): `;

    it('turns each run of control characters into one space and trims the ends', async () => {
      expect(await described('\n\t first\r\n\r\nsecond \u0007')).toBe(
        `${prefix}first second. Check tokenEndpoint and the client settings in Keycloak.`,
      );
    });

    it('keeps a description of exactly 500 characters whole, and cuts a longer one with an ellipsis', async () => {
      expect(await described('d'.repeat(500))).toBe(
        `${prefix}${'d'.repeat(500)}. Check tokenEndpoint and the client settings in Keycloak.`,
      );
      expect(await described('d'.repeat(501))).toBe(
        `${prefix}${'d'.repeat(500)}…. Check tokenEndpoint and the client settings in Keycloak.`,
      );
    });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['5', 5_000],
    [' 5 ', 5_000],
    ['0', 0],
  ])('reads delay-seconds %p', (value, ms) => {
    expect(parseRetryAfter(value, 0)).toBe(ms);
  });

  it('reads an HTTP date as the time left until it, never below 0', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 11:59:00 GMT', now)).toBe(0);
  });

  it.each([undefined, 'soon', '5x', 'x5'])('ignores %p', value => {
    expect(parseRetryAfter(value, 0)).toBeUndefined();
  });
});
