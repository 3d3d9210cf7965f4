import { inspect } from 'node:util';
import { Readable } from 'node:stream';
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { hideConfig, redactAxiosError } from '../../lib/axios/redactAxiosError';

const TOKEN = 'eyJ.secret-access-token.sig';

/** An AxiosError as the http adapter builds it: the token in the config and in the raw request's header text. */
function errorWith(data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders({ Authorization: `Bearer ${TOKEN}` }) } as InternalAxiosRequestConfig;
  const request = { _header: `GET / HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\n` };
  const response = { status: 404, statusText: 'Not Found', headers: {}, config, request, data } as AxiosResponse;
  return new AxiosError('Request failed with status code 404', 'ERR_BAD_REQUEST', config, request, response);
}

describe('redactAxiosError', () => {
  it('replaces the token in the request headers', () => {
    const error = errorWith({ detail: 'no' });
    redactAxiosError(error);
    expect(error.config?.headers.get('Authorization')).toBe('Bearer [REDACTED]');
  });

  it('hides the raw request objects from JSON.stringify and util.inspect, and keeps them readable', () => {
    const error = errorWith({ detail: 'no' });
    redactAxiosError(error);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    expect(Object.keys(error)).not.toContain('request');
    expect(Object.keys(error.response ?? {})).not.toContain('request');
    expect((error.request as { _header: string })._header).toContain('Authorization');
  });

  it('hides a streamed body (it links back to its request) but keeps it readable', () => {
    const stream = Readable.from(['body']);
    const error = errorWith(stream);
    redactAxiosError(error);
    expect(Object.keys(error.response ?? {})).not.toContain('data');
    expect(error.response?.data).toBe(stream);
  });

  it('leaves a JSON body enumerable, for the caller to log', () => {
    const error = errorWith({ detail: 'no' });
    redactAxiosError(error);
    expect(Object.keys(error.response ?? {})).toContain('data');
  });

  it('copes with an error whose config has no headers', () => {
    const error = new AxiosError('Request failed', 'ERR_BAD_REQUEST', { url: '/x' } as InternalAxiosRequestConfig);
    expect(() => redactAxiosError(error)).not.toThrow();
    expect(error.config).toEqual({ url: '/x' });
  });

  it('copes with an error that has no config and no response', () => {
    const error = new AxiosError('socket hang up', 'ECONNRESET');
    expect(() => redactAxiosError(error)).not.toThrow();
    expect(Object.keys(error)).not.toContain('request');
  });

  it('hides the request config (headers and body) from JSON.stringify, util.inspect and Object.keys, and keeps it readable', () => {
    const error = errorWith({ detail: 'no' });
    error.config!.data = '{"prompt":"a user\'s private question"}';
    error.config!.headers.set('X-Backstage-User', 'user:default/jsmith');
    redactAxiosError(error);
    for (const text of [JSON.stringify(error), inspect(error, { depth: 10 })]) {
      expect(text).not.toContain('private question');
      expect(text).not.toContain('jsmith');
      expect(text).not.toContain('[REDACTED]');
    }
    expect(Object.keys(error)).not.toContain('config');
    expect(Object.keys(error.response ?? {})).not.toContain('config');
    expect(error.config?.data).toContain('private question');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      message: 'Request failed with status code 404',
      code: 'ERR_BAD_REQUEST',
      status: 404,
    });
  });
});

describe('hideConfig', () => {
  it('hides the config of an error made before the request was sent (no response), and returns the error', () => {
    const config = {
      headers: new AxiosHeaders({ 'X-Backstage-User': 'user:default/jsmith' }),
      data: 'body-text',
    } as InternalAxiosRequestConfig;
    const error = new AxiosError('canceled', 'ERR_CANCELED', config);
    expect(JSON.stringify(error)).toContain('body-text'); // axios' own toJSON, before
    expect(hideConfig(error)).toBe(error);
    expect(JSON.stringify(error)).not.toContain('body-text');
    expect(inspect(error, { depth: 10 })).not.toContain('jsmith');
    expect(error.config).toBe(config);
  });
});
