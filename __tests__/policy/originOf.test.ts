import { originOf } from '../../lib/policy/originOf';

describe('originOf', () => {
  it.each([
    ['https://kagenti.test/a?b#c', 'https://kagenti.test'],
    ['https://kagenti.test:443/', 'https://kagenti.test'],
    ['http://Kagenti.TEST:8080', 'http://kagenti.test:8080'],
    ['blob:https://kagenti.test/0b6f', 'https://kagenti.test'],
  ])('gives the origin of %j', (url, expected) => {
    expect(originOf(url)).toBe(expected);
  });

  it.each([
    ['a file URL', 'file:///etc/passwd'],
    ['a data URL', 'data:text/plain,hi'],
    ['a custom scheme', 'kagenti:agent/1'],
  ])('gives undefined, not the string "null", for %s, whose origin is opaque', (_label, url) => {
    expect(originOf(url)).toBeUndefined();
  });

  it.each([
    ['not a URL', 'not a url'],
    ['a relative path', '/api/items'],
    ['a protocol-relative URL', '//kagenti.test/x'],
    ['an empty string', ''],
    ['undefined', undefined],
  ])('gives undefined without throwing for %s', (_label, url) => {
    expect(() => originOf(url)).not.toThrow();
    expect(originOf(url)).toBeUndefined();
  });
});
