import { inspect } from 'node:util';
import { TokenRequestError } from '../../lib/errors/TokenRequestError';
import { processTokenResponse, type TokenResponseContext } from '../../lib/protocol/processTokenResponse';
import type { TokenHttpResponse } from '../../lib/protocol/TokenHttpResponse';
import { tokenRequestFailure } from '../../lib/protocol/tokenRequestFailure';
import { Redactor } from '../../lib/util/Redactor';
import { serializeEveryWay } from '../helpers/secretScan';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const PREFIX = `Token request to ${ENDPOINT} failed: `;
const SECRET = 'Sup3r-S3cret-Value!';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.payload-of-the-access-token.signature';
const NOW = Date.parse('2026-12-03T12:00:00Z');
const REDIRECT_ADVICE =
  'Redirects are not followed for token requests; set tokenEndpoint to the final URL (check http vs https and the /realms/<realm>/protocol/openid-connect/token path).';
const GENERAL_HINT = 'Check tokenEndpoint and the client settings in Keycloak.';

/** A token endpoint's answer, headers by lower-case name as the transport gives them. */
function answer(status: number, body: unknown, headers: Record<string, string> = {}, url = ENDPOINT): TokenHttpResponse {
  return { status, header: name => headers[name], body, url };
}

function context(extra: Partial<TokenResponseContext> = {}): TokenResponseContext {
  return { fail: tokenRequestFailure(ENDPOINT), redactor: new Redactor().add(SECRET), now: NOW, ...extra };
}

/** The TokenRequestError the answer is judged to be; fails the test when it is a token. */
function failure(response: TokenHttpResponse, ctx: TokenResponseContext = context()): TokenRequestError {
  try {
    processTokenResponse(response, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRequestError);
    return error as TokenRequestError;
  }
  throw new Error('expected a TokenRequestError');
}

const json = (value: unknown) => JSON.stringify(value);

describe('processTokenResponse', () => {
  describe('when the answer is a redirect', () => {
    it.each([300, 302, 399])('refuses HTTP %i without reading the body', status => {
      const error = failure(answer(status, json({ access_token: 'token-1' })));
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_REDIRECT', status, tokenEndpoint: ENDPOINT });
      expect(error.message).toBe(`${PREFIX}HTTP ${status} redirect. ${REDIRECT_ADVICE}`);
    });

    it.each([
      [
        'an absolute Location, by origin and path only',
        'https://sso.test:8443/realms/k/token?code=1#x',
        'https://sso.test:8443/realms/k/token',
      ],
      [
        'a path-absolute Location, against the URL asked',
        '/realms/other/protocol/openid-connect/token',
        'https://keycloak.test/realms/other/protocol/openid-connect/token',
      ],
      [
        'a relative Location, against the URL asked',
        'token2',
        'https://keycloak.test/realms/kagenti/protocol/openid-connect/token2',
      ],
    ])('names the target of %s', (_name, location, target) => {
      const error = failure(answer(307, '', { location }));
      expect(error.message).toBe(`${PREFIX}HTTP 307 redirect to ${target}. ${REDIRECT_ADVICE}`);
    });

    it('resolves a relative Location against the URL that was asked, not the configured endpoint', () => {
      const error = failure(answer(302, '', { location: '/login' }, 'http://proxy.test:8080/realms/k/token'));
      expect(error.message).toBe(`${PREFIX}HTTP 302 redirect to http://proxy.test:8080/login. ${REDIRECT_ADVICE}`);
    });

    it.each([
      ['no Location', {}],
      ['an empty Location', { location: '' }],
      ['an unreadable Location', { location: 'http://[not a host' }],
    ])('names no target with %s', (_name, headers) => {
      expect(failure(answer(301, '', headers)).message).toBe(`${PREFIX}HTTP 301 redirect. ${REDIRECT_ADVICE}`);
    });

    it('redacts a secret in the Location path', () => {
      const error = failure(answer(302, '', { location: `https://evil.test/${SECRET}` }));
      expect(error.message).toBe(`${PREFIX}HTTP 302 redirect to https://evil.test/[REDACTED]. ${REDIRECT_ADVICE}`);
    });
  });

  describe('when the status is an error and the body an OAuth error', () => {
    it('names the error, its description and its hint', () => {
      const error = failure(answer(400, json({ error: 'invalid_scope', error_description: 'Invalid scopes: kagenti' })));
      expect(error.message).toBe(
        `${PREFIX}invalid_scope (HTTP 400): Invalid scopes: kagenti. Check the requested scope: it must be a client scope assigned to the client.`,
      );
      expect(error).toMatchObject({
        code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
        status: 400,
        error: 'invalid_scope',
        errorDescription: 'Invalid scopes: kagenti',
      });
      expect(error.retryAfterMs).toBeUndefined();
    });

    it.each([
      ['no description', {}],
      ['an empty description', { error_description: '' }],
      ['a description of control characters only', { error_description: '\r\n\t' }],
      ['a description that is not a string', { error_description: 42 }],
    ])('leaves the description out with %s', (_name, extra) => {
      const error = failure(answer(400, json({ error: 'invalid_request', ...extra })));
      expect(error.message).toBe(`${PREFIX}invalid_request (HTTP 400). ${GENERAL_HINT}`);
      expect(error.errorDescription).toBeUndefined();
    });

    it('reads an OAuth error from a body a mock adapter already parsed', () => {
      const error = failure(answer(401, { error: 'unauthorized_client' }));
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR', error: 'unauthorized_client' });
    });

    it('gives the hint of the status for an error the table does not know', () => {
      const error = failure(answer(503, json({ error: 'temporarily_unavailable' })));
      expect(error.message).toBe(
        `${PREFIX}temporarily_unavailable (HTTP 503). Keycloak or a proxy in front of it failed; this may pass on its own.`,
      );
    });

    it.each([
      ['delay-seconds', '7', 7_000],
      ['zero delay-seconds', '0', 0],
      ['an HTTP date 30 s ahead', 'Thu, 03 Dec 2026 12:00:30 GMT', 30_000],
      ['an HTTP date in the past', 'Thu, 03 Dec 2026 11:00:00 GMT', 0],
    ])('takes Retry-After as %s', (_name, retryAfter, retryAfterMs) => {
      const error = failure(answer(429, json({ error: 'slow_down' }), { 'retry-after': retryAfter }));
      expect(error.retryAfterMs).toBe(retryAfterMs);
    });

    it('sets no retryAfterMs for a Retry-After it cannot read', () => {
      const error = failure(answer(429, json({ error: 'slow_down' }), { 'retry-after': 'soon' }));
      expect(error.retryAfterMs).toBeUndefined();
    });

    describe('with an invalid_client hint', () => {
      it("uses it for invalid_client, with the server's Date", () => {
        const hint = jest.fn(() => 'Check the signing key.');
        const error = failure(
          answer(401, json({ error: 'invalid_client' }), { date: 'Thu, 03 Dec 2026 12:00:05 GMT' }),
          context({ invalidClientHint: hint }),
        );
        expect(error.message).toBe(`${PREFIX}invalid_client (HTTP 401). Check the signing key.`);
        expect(hint).toHaveBeenCalledTimes(1);
        expect(hint).toHaveBeenCalledWith({ now: NOW, serverDate: NOW + 5_000 });
      });

      it.each([
        ['no Date', {}],
        ['an unreadable Date', { date: 'yesterday-ish' }],
      ])('gives it the local time only when the server sent %s', (_name, headers) => {
        const hint = jest.fn((_clock: { now: number; serverDate?: number }) => 'Check the signing key.');
        failure(answer(401, json({ error: 'invalid_client' }), headers), context({ invalidClientHint: hint }));
        expect(hint.mock.calls[0][0]).toStrictEqual({ now: NOW });
      });

      it('does not use it for another error', () => {
        const hint = jest.fn(() => 'Check the signing key.');
        const error = failure(answer(400, json({ error: 'invalid_grant' })), context({ invalidClientHint: hint }));
        expect(error.message).toBe(`${PREFIX}invalid_grant (HTTP 400). Check that the client is enabled in Keycloak.`);
        expect(hint).not.toHaveBeenCalled();
      });
    });

    it('gives the table hint for invalid_client without a method hint', () => {
      expect(failure(answer(401, json({ error: 'invalid_client' }))).message).toBe(
        `${PREFIX}invalid_client (HTTP 401). Check the client id and secret (boost.kagenti.auth.clientId and clientSecret) and that the client has client authentication turned on.`,
      );
    });
  });

  describe('when the status is an error without an OAuth body', () => {
    it('names the status and the content type, with the hint of the status', () => {
      const error = failure(answer(500, '<html>oops</html>', { 'content-type': 'text/html; charset=utf-8' }));
      expect(error.message).toBe(
        `${PREFIX}HTTP 500 (content-type text/html; charset=utf-8). Keycloak or a proxy in front of it failed; this may pass on its own.`,
      );
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_HTTP_ERROR', status: 500 });
      expect(error.error).toBeUndefined();
    });

    it('says when there is no content type', () => {
      expect(failure(answer(404, undefined)).message).toBe(
        `${PREFIX}HTTP 404 (no content-type). Check tokenEndpoint: the realm name and the /realms/<realm>/protocol/openid-connect/token path.`,
      );
    });

    it('treats HTTP 400, the first status after the redirects, as an error status', () => {
      expect(failure(answer(400, '')).code).toBe('TOKEN_ENDPOINT_HTTP_ERROR');
    });

    it('carries the Retry-After', () => {
      expect(failure(answer(503, '', { 'retry-after': '120' })).retryAfterMs).toBe(120_000);
    });

    it('shows the content type made safe: redacted, flattened and cut after 80 characters', () => {
      const contentType = `text/plain;\r\nx=${SECRET};${'p'.repeat(100)}`;
      const shown = `text/plain; x=[REDACTED];${'p'.repeat(80 - 'text/plain; x=[REDACTED];'.length)}…`;
      expect(failure(answer(502, '', { 'content-type': contentType })).message).toBe(
        `${PREFIX}HTTP 502 (content-type ${shown}). Keycloak or a proxy in front of it failed; this may pass on its own.`,
      );
    });
  });

  describe('when the status is 2xx', () => {
    it.each([200, 201, 299])('takes the token of HTTP %i', status => {
      expect(processTokenResponse(answer(status, json({ access_token: 'token-1', expires_in: 300 })), context())).toEqual({
        accessToken: 'token-1',
        expiresIn: 300,
      });
    });

    it('takes a token from a body a mock adapter already parsed, or from bytes', () => {
      const body = { access_token: 'token-1', token_type: 'Bearer', expires_in: 60 };
      expect(processTokenResponse(answer(200, body), context())).toEqual({ accessToken: 'token-1', expiresIn: 60 });
      expect(processTokenResponse(answer(200, Buffer.from(json(body))), context())).toEqual({
        accessToken: 'token-1',
        expiresIn: 60,
      });
    });

    // Which bodies count as empty: readJsonBody.test.ts.
    it.each([
      ['no body', undefined],
      ['white space', ' \r\n\t'],
    ])('calls %s an empty body', (_name, body) => {
      const error = failure(answer(200, body));
      expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', status: 200 });
      expect(error.message).toBe(`${PREFIX}HTTP 200 with an empty body. Check that tokenEndpoint is Keycloak's token endpoint.`);
    });

    it('calls a body that is not JSON so, with its content type', () => {
      const error = failure(answer(200, '<html>login</html>', { 'content-type': 'text/html' }));
      expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', status: 200 });
      expect(error.message).toBe(
        `${PREFIX}HTTP 200 with a body that is not JSON (content-type text/html). tokenEndpoint may point at a login page, a proxy or the wrong path.`,
      );
    });

    it.each(['null', '[]', '"token-1"', '42', 'true'])('calls the JSON %s not an object', body => {
      expect(failure(answer(200, body)).message).toBe(`${PREFIX}HTTP 200 with JSON that is not an object. Check tokenEndpoint.`);
    });

    it.each([
      ['no access_token', {}],
      ['an empty access_token', { access_token: '' }],
      ['an access_token that is not a string', { access_token: 42 }],
      ['an error that is not a string', { error: 5 }],
    ])('calls an object with %s a response without a token', (_name, body) => {
      const error = failure(answer(200, json(body)));
      expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', status: 200 });
      expect(error.message).toBe(
        `${PREFIX}HTTP 200 without an access_token. Check that tokenEndpoint is Keycloak's token endpoint.`,
      );
    });

    it('names an OAuth error sent with a 2xx status as one, with the method hint for invalid_client', () => {
      const error = failure(
        answer(200, json({ error: 'invalid_client', access_token: '' })),
        context({ invalidClientHint: () => 'Check the key.' }),
      );
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR', status: 200, error: 'invalid_client' });
      expect(error.message).toBe(`${PREFIX}invalid_client (HTTP 200). Check the key.`);
    });

    it.each([
      ['a space', 'token 1'],
      ['a line break', 'token\r\nX-Injected: 1'],
      ['a tab', 'token\t1'],
      ['a non-ASCII character', 'tokén'],
      ['DEL', 'token\u007f'],
    ])('refuses an access_token with %s, without showing it', (_name, accessToken) => {
      const error = failure(answer(200, json({ access_token: accessToken, token_type: 'Bearer' })));
      expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', status: 200 });
      expect(error.message).toBe(
        `${PREFIX}the access_token contains characters that cannot go in an HTTP header (spaces, control characters or non-ASCII); it was not used.`,
      );
    });

    it('takes an access_token of every visible ASCII character', () => {
      const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
      expect(processTokenResponse(answer(200, { access_token: visible }), context()).accessToken).toBe(visible);
    });

    describe('token_type', () => {
      it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR', undefined])('takes %p', tokenType => {
        expect(processTokenResponse(answer(200, { access_token: 'token-1', token_type: tokenType }), context())).toEqual({
          accessToken: 'token-1',
          expiresInProblem: 'missing',
        });
      });

      it.each([
        ['a string', 'mac', '"mac"'],
        ['a Bearer with spaces', ' Bearer', '"Bearer"'],
        ['DPoP', 'DPoP', '"DPoP"'],
        ['null', null, 'of type object'],
        ['a number', 7, 'of type number'],
        ['a boolean', true, 'of type boolean'],
        ['an object', { type: 'Bearer' }, 'of type object'],
      ])('refuses %s, naming it', (_name, tokenType, shown) => {
        const error = failure(answer(200, { access_token: 'token-1', token_type: tokenType }));
        expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', status: 200 });
        expect(error.message).toBe(`${PREFIX}token_type ${shown} is not Bearer; only Bearer tokens are supported.`);
      });

      it('cuts a long token_type after 40 characters', () => {
        const error = failure(answer(200, { access_token: 'token-1', token_type: 'x'.repeat(41) }));
        expect(error.message).toBe(`${PREFIX}token_type "${'x'.repeat(40)}…" is not Bearer; only Bearer tokens are supported.`);
      });
    });

    describe('expires_in', () => {
      it.each<[unknown, object]>([
        [300, { expiresIn: 300 }],
        ['300', { expiresIn: 300 }],
        [' 2.5 ', { expiresIn: 2.5 }],
        [0.001, { expiresIn: 0.001 }],
        [undefined, { expiresInProblem: 'missing' }],
        [null, { expiresInProblem: 'missing' }],
        [0, { expiresInProblem: 'invalid' }],
        [-1, { expiresInProblem: 'invalid' }],
        ['0', { expiresInProblem: 'invalid' }],
        ['1e3', { expiresInProblem: 'invalid' }],
        ['-5', { expiresInProblem: 'invalid' }],
        ['', { expiresInProblem: 'invalid' }],
        [Number.NaN, { expiresInProblem: 'invalid' }],
        [Number.POSITIVE_INFINITY, { expiresInProblem: 'invalid' }],
        [[300], { expiresInProblem: 'invalid' }],
      ])('reads %p as %p', (expiresIn, expected) => {
        expect(processTokenResponse(answer(200, { access_token: 'token-1', expires_in: expiresIn }), context())).toEqual({
          accessToken: 'token-1',
          ...expected,
        });
      });
    });
  });

  describe('secrets and tokens', () => {
    it.each<[string, TokenHttpResponse]>([
      [
        'an OAuth error echoing them, beside a token',
        answer(400, json({ access_token: TOKEN, error: `bad_${TOKEN}`, error_description: `got ${SECRET} and ${TOKEN}` })),
      ],
      ['an OAuth error in a 2xx echoing the secret', answer(200, json({ error: 'invalid_request', error_description: SECRET }))],
      ['a token_type that is the token', answer(200, json({ access_token: TOKEN, token_type: TOKEN }))],
      ['a header-unsafe token holding the secret', answer(200, json({ access_token: `${SECRET} ${TOKEN}` }))],
      [
        'an HTTP error whose content type echoes them',
        answer(500, json({ access_token: TOKEN }), { 'content-type': `${SECRET}/${TOKEN}` }),
      ],
      ['a not-JSON body holding them', answer(200, `${SECRET} ${TOKEN}`, { 'content-type': 'text/plain' })],
      ['a redirect to a URL holding the secret', answer(302, '', { location: `https://evil.test/${SECRET}?t=${SECRET}` })],
    ])('never shows them, however the error is logged: %s', (_name, response) => {
      const error = failure(response);
      for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 }), serializeEveryWay(error)]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(TOKEN);
      }
    });

    it('adds the token in the body to the redactor, whatever the status', () => {
      const redactor = new Redactor();
      failure(answer(401, json({ access_token: TOKEN, error: 'invalid_client' })), context({ redactor }));
      expect(redactor.redact(`x ${TOKEN}`)).toBe('x [REDACTED]');
    });

    it('adds a granted token to the redactor too', () => {
      const redactor = new Redactor();
      processTokenResponse(answer(200, { access_token: TOKEN }), context({ redactor }));
      expect(redactor.redact(TOKEN)).toBe('[REDACTED]');
    });
  });
});
