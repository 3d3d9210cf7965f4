import { parseWwwAuthenticate } from '../../lib';
import { isTokenRejection } from '../../lib/policy/parseWwwAuthenticate';

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

  it('skips tabs as well as spaces around the scheme, the parameters and their "="', () => {
    expect(parseWwwAuthenticate('\tBearer\trealm\t=\t"a",\terror="invalid_token"')).toEqual([
      { scheme: 'bearer', params: { realm: 'a', error: 'invalid_token' } },
    ]);
  });

  it('ends a quoted value left unterminated at the end of the header', () => {
    expect(parseWwwAuthenticate('Bearer realm="abc')).toEqual([{ scheme: 'bearer', params: { realm: 'abc' } }]);
  });

  it('keeps a backslash that ends the header inside a quoted value, having nothing to escape', () => {
    expect(parseWwwAuthenticate('Bearer realm="abc\\')).toEqual([{ scheme: 'bearer', params: { realm: 'abc\\' } }]);
  });

  it('reads a parameter whose value is neither a token nor quoted as empty', () => {
    expect(parseWwwAuthenticate('Bearer error=@')).toEqual([{ scheme: 'bearer', params: { error: '' } }]);
  });

  it('accepts a token68 that starts with "/" (not a token character) and goes on to the next challenge', () => {
    expect(parseWwwAuthenticate('Negotiate /abc+def, Bearer error="invalid_token"')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { error: 'invalid_token' } },
    ]);
  });

  it('skips a stray "=" or quote after a scheme, where a parameter name should be, and the parse ends', () => {
    expect(parseWwwAuthenticate('Bearer =x')[0]).toEqual({ scheme: 'bearer', params: {} });
    expect(parseWwwAuthenticate('Bearer "x"')[0]).toEqual({ scheme: 'bearer', params: {} });
    expect(parseWwwAuthenticate('Bearer ,, error="invalid_token"')).toEqual([
      { scheme: 'bearer', params: { error: 'invalid_token' } },
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
    // Blank, or no challenge in it: as if there were no header.
    ['   ', true],
    ['\t', true],
    [',', true],
    ['= "', true],
    ['Bearer =x', true],
    ['Bearer\terror="insufficient_scope"', false],
  ])('%j → %s', (header, expected) => {
    expect(isTokenRejection(header)).toBe(expected);
  });
});
