import MockAdapter from 'axios-mock-adapter';
import { KagentiApiClient } from '../../lib';

// The client's own checks, with the exact messages a caller reads (written to the survivors of
// the 2026-12-03 evening mutation run).
const BASE_URL = 'https://kagenti.test';

async function userRefError(userRef: unknown): Promise<string | undefined> {
  const client = new KagentiApiClient({ baseUrl: BASE_URL });
  new MockAdapter(client.axios).onAny().reply(200, {});
  try {
    await client.requestCore({ method: 'GET', path: '/x', userRef: userRef as string });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const notAllowed = (code: string, position: number) =>
  `userRef cannot be sent in the X-Backstage-User header: character U+${code} at position ${position} is not allowed (only visible ASCII, with inner spaces). Nothing was sent.`;

describe('KagentiApiClient input checks', () => {
  it.each([
    [42, 'userRef must be a string, got number'],
    ['', 'userRef must not be empty'],
    ['x'.repeat(1025), 'userRef is 1025 characters long; at most 1024 are sent in X-Backstage-User'],
    [' a', notAllowed('0020', 0)],
    ['a ', notAllowed('0020', 1)],
    ['\ta', notAllowed('0009', 0)],
    ['a\t', notAllowed('0009', 1)],
    ['a\u0001b', notAllowed('0001', 1)],
    ['a\u007fb', notAllowed('007F', 1)],
    ['~\u0001', notAllowed('0001', 1)],
    ['a b\u0001', notAllowed('0001', 3)],
    ['a\tb\u0001', notAllowed('0001', 3)],
    ['ab\u00e9', notAllowed('00E9', 2)],
    ['a\u{1f600}b', notAllowed('1F600', 1)],
  ])('refuses the userRef %j with its own message', async (userRef, message) => {
    expect(await userRefError(userRef)).toBe(message);
  });

  it.each([['x'.repeat(1024)], ['u'], ['a b'], ['a\tb'], ['~user:default/j_smith!']])('sends the userRef %j', async userRef => {
    expect(await userRefError(userRef)).toBeUndefined();
  });

  it.each(['https://elsewhere.test/x', '//elsewhere.test/x', 'api/v1/agents', 42])(
    'refuses the path %j with its own message',
    async path => {
      const client = new KagentiApiClient({ baseUrl: BASE_URL });
      await expect(client.requestCore({ method: 'GET', path: path as string })).rejects.toThrow(
        new TypeError('path must be a path below baseUrl starting with a single "/", not an absolute URL'),
      );
    },
  );

  it.each(['not a url', 'ftp://kagenti.test'])('refuses the baseUrl %j', baseUrl => {
    expect(() => new KagentiApiClient({ baseUrl })).toThrow(new TypeError('baseUrl must be an absolute http(s) URL'));
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses timeoutMs %p', timeoutMs => {
    expect(() => new KagentiApiClient({ baseUrl: BASE_URL, timeoutMs })).toThrow(
      new TypeError('timeoutMs must be a finite number of at least 0'),
    );
  });

  it.each([-1, Number.NaN])('refuses streamMinLifetimeMs %p', streamMinLifetimeMs => {
    expect(() => new KagentiApiClient({ baseUrl: BASE_URL, streamMinLifetimeMs })).toThrow(
      new TypeError('streamMinLifetimeMs must be a finite number of at least 0'),
    );
  });

  it('accepts 0 for both time limits, and drops every trailing slash of baseUrl', () => {
    const client = new KagentiApiClient({ baseUrl: `${BASE_URL}///`, timeoutMs: 0, streamMinLifetimeMs: 0 });
    expect(client.axios.defaults.baseURL).toBe(BASE_URL);
    expect(client.axios.defaults.timeout).toBe(0);
  });
});
