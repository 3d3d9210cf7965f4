import { AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { SentTokens } from '../../lib/axios/SentTokens';

/** A request config as axios hands it to an interceptor, carrying `authorization` (if any). */
const requestWith = (authorization?: string) =>
  ({
    headers: new AxiosHeaders(authorization === undefined ? {} : { Authorization: authorization }),
  }) as InternalAxiosRequestConfig;

const tokens = (count: number) => Array.from({ length: count }, (_, i) => `token-${i + 1}`);

describe('SentTokens (which of our tokens a request carried)', () => {
  it('gives the bearer header for a token, and recognizes the token from that header', () => {
    const sent = new SentTokens();
    expect(sent.headerFor('abc')).toBe('Bearer abc');
    expect(sent.headerFor('abc')).toBe('Bearer abc');
    expect(sent.tokenOf(requestWith('Bearer abc'))).toBe('abc');
  });

  it('does not recognize a header it did not set', () => {
    const sent = new SentTokens();
    sent.headerFor('abc');
    expect(sent.tokenOf(requestWith('Bearer other'))).toBeUndefined();
    expect(sent.tokenOf(requestWith('abc'))).toBeUndefined();
    expect(sent.tokenOf(requestWith())).toBeUndefined();
  });

  it('remembers the last 16 tokens: all 16 are recognized', () => {
    const sent = new SentTokens();
    for (const token of tokens(16)) sent.headerFor(token);
    for (const token of tokens(16)) expect(sent.tokenOf(requestWith(`Bearer ${token}`))).toBe(token);
  });

  it('forgets the oldest token when a 17th one is sent', () => {
    const sent = new SentTokens();
    for (const token of tokens(17)) sent.headerFor(token);
    expect(sent.tokenOf(requestWith('Bearer token-1'))).toBeUndefined();
    for (const token of tokens(17).slice(1)) expect(sent.tokenOf(requestWith(`Bearer ${token}`))).toBe(token);
  });

  it('does not push other tokens out when the same token is sent again', () => {
    const sent = new SentTokens();
    for (const token of tokens(16)) sent.headerFor(token);
    for (let i = 0; i < 5; i++) sent.headerFor('token-16');
    for (const token of tokens(16)) expect(sent.tokenOf(requestWith(`Bearer ${token}`))).toBe(token);
  });

  it('counts a token sent again as recent: the next new one pushes out the one after it', () => {
    const sent = new SentTokens();
    for (const token of tokens(16)) sent.headerFor(token);
    sent.headerFor('token-1');
    sent.headerFor('token-17');
    expect(sent.tokenOf(requestWith('Bearer token-1'))).toBe('token-1');
    expect(sent.tokenOf(requestWith('Bearer token-2'))).toBeUndefined();
  });

  it('finds no token on a config without headers, or with headers that are a plain object', () => {
    const sent = new SentTokens();
    sent.headerFor('abc');
    expect(sent.tokenOf({} as InternalAxiosRequestConfig)).toBeUndefined();
    expect(sent.tokenOf({ headers: { Authorization: 'Bearer abc' } } as unknown as InternalAxiosRequestConfig)).toBeUndefined();
  });

  it('finds no token when the Authorization header is not a string', () => {
    const sent = new SentTokens();
    sent.headerFor('abc');
    const config = requestWith();
    config.headers.set('Authorization', ['Bearer abc']);
    expect(sent.tokenOf(config)).toBeUndefined();
  });
});
