import { inspect } from 'node:util';
import {
  ConfigurationError,
  KagentiAuthError,
  ManagerClosedError,
  TokenRequestError,
  type TokenRequestErrorCode,
} from '../../lib';

const TOKEN_ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';

describe('KagentiAuthError and its subclasses', () => {
  it.each([
    ['ConfigurationError', new ConfigurationError('boost.kagenti.auth is wrong'), 'KAGENTI_AUTH_CONFIG_INVALID'],
    ['ManagerClosedError', new ManagerClosedError(), 'TOKEN_MANAGER_CLOSED'],
    [
      'TokenRequestError',
      new TokenRequestError('token request failed', { code: 'TOKEN_ENDPOINT_TIMEOUT', tokenEndpoint: TOKEN_ENDPOINT }),
      'TOKEN_ENDPOINT_TIMEOUT',
    ],
  ])('%s is a KagentiAuthError named after its class, with its stable code', (name, error, code) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(KagentiAuthError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('passes a cause through', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new TokenRequestError('unreachable', {
      code: 'TOKEN_ENDPOINT_UNREACHABLE',
      tokenEndpoint: TOKEN_ENDPOINT,
      cause,
    });
    expect(error.cause).toBe(cause);
  });

  it('has no cause property at all when there is no cause, so a log line shows none', () => {
    const error = new TokenRequestError('timed out', { code: 'TOKEN_ENDPOINT_TIMEOUT', tokenEndpoint: TOKEN_ENDPOINT });
    expect('cause' in error).toBe(false);
    expect(inspect(error)).not.toContain('[cause]');
    expect('cause' in new ManagerClosedError()).toBe(false);
    expect('cause' in new ConfigurationError('wrong')).toBe(false);
  });

  it('ManagerClosedError says that the manager is closed', () => {
    expect(new ManagerClosedError().message).toBe('KeycloakTokenManager is closed');
  });

  it('ConfigurationError carries the keys it is given, and none by default', () => {
    expect(new ConfigurationError('wrong', ['clientId', 'tokenEndpoint']).keys).toEqual(['clientId', 'tokenEndpoint']);
    expect(new ConfigurationError('wrong').keys).toEqual([]);
  });
});

describe('TokenRequestError', () => {
  const error = (code: TokenRequestErrorCode, extra: { status?: number } = {}) =>
    new TokenRequestError('x', { code, tokenEndpoint: TOKEN_ENDPOINT, ...extra });

  it('keeps every detail it is given', () => {
    const cause = new Error('inner');
    expect(
      new TokenRequestError('refused', {
        code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
        tokenEndpoint: TOKEN_ENDPOINT,
        status: 400,
        error: 'invalid_client',
        errorDescription: 'Invalid client credentials',
        retryAfterMs: 3_000,
        cause,
      }),
    ).toMatchObject({
      message: 'refused',
      code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
      tokenEndpoint: TOKEN_ENDPOINT,
      status: 400,
      error: 'invalid_client',
      errorDescription: 'Invalid client credentials',
      retryAfterMs: 3_000,
      cause,
    });
  });

  it('leaves a detail it was not given undefined', () => {
    expect(error('TOKEN_ENDPOINT_TIMEOUT')).toMatchObject({
      status: undefined,
      error: undefined,
      errorDescription: undefined,
      retryAfterMs: undefined,
    });
  });

  it.each<[TokenRequestErrorCode, boolean]>([
    ['CLIENT_SECRET_UNAVAILABLE', false],
    ['CLIENT_ASSERTION_UNAVAILABLE', false],
    ['TOKEN_ENDPOINT_OAUTH_ERROR', true],
    ['TOKEN_ENDPOINT_HTTP_ERROR', true],
    ['TOKEN_ENDPOINT_REDIRECT', true],
    ['TOKEN_ENDPOINT_TIMEOUT', true],
    ['TOKEN_ENDPOINT_UNREACHABLE', true],
    ['TOKEN_RESPONSE_INVALID', true],
  ])('%s: sent is %p', (code, sent) => {
    expect(error(code).sent).toBe(sent);
  });

  it.each<[TokenRequestErrorCode, boolean]>([
    ['TOKEN_ENDPOINT_TIMEOUT', true],
    ['TOKEN_ENDPOINT_UNREACHABLE', true],
    ['TOKEN_ENDPOINT_REDIRECT', false],
    ['TOKEN_RESPONSE_INVALID', false],
    ['CLIENT_SECRET_UNAVAILABLE', false],
    ['CLIENT_ASSERTION_UNAVAILABLE', false],
  ])('%s: transient is %p, whatever the status', (code, transient) => {
    expect(error(code).transient).toBe(transient);
    expect(error(code, { status: 503 }).transient).toBe(transient);
  });
});
