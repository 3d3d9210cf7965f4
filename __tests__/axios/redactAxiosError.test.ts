import { inspect } from 'node:util';
import { Readable } from 'node:stream';
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { redactAxiosError } from '../../lib/axios/redactAxiosError';

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
});
