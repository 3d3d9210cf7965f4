import { parseWwwAuthenticate } from '../lib';
import { isTokenRejection } from '../lib/axios/parseWwwAuthenticate';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge with quoted parameters (RFC 6750 §3)', () => {
    expect(
      parseWwwAuthenticate('Bearer realm="kagenti", error="invalid_token", error_description="The access token expired"'),
    ).toEqual([
      { scheme: 'bearer', params: { realm: 'kagenti', error: 'invalid_token', error_description: 'The access token expired' } },
    ]);
  });

  it('splits several challenges, with token and quoted values and escapes', () => {
    expect(parseWwwAuthenticate('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"')).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('accepts a token68 challenge and a bare scheme', () => {
    expect(parseWwwAuthenticate('Negotiate abc123==, Bearer')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: {} },
    ]);
  });

  it('does not throw on garbage', () => {
    expect(() => parseWwwAuthenticate('=,,"unterminated')).not.toThrow();
  });
});

describe('isTokenRejection', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['Bearer', true],
    ['Bearer realm="x"', true],
    ['Bearer error="invalid_token"', true],
    ['BEARER ERROR="invalid_token"', true],
    ['Bearer error="insufficient_scope"', false],
    ['Bearer error="invalid_request"', false],
    ['Basic realm="x"', false],
    ['Basic realm="x", Bearer error="invalid_token"', true],
  ])('%j → %s', (header, expected) => {
    expect(isTokenRejection(header)).toBe(expected);
  });
});
