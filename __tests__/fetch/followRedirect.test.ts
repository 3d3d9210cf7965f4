import { redirectHop } from '../../lib/fetch/followRedirect';
import type { SendInit } from '../../lib/fetch/requestParts';

const FROM = 'https://kagenti.test/api/old';
const init = (method: string, body?: string): SendInit => ({
  method,
  headers: new Headers({ authorization: 'Bearer t', 'content-type': 'text/plain', 'x-kept': '1' }),
  redirect: 'follow',
  ...(body !== undefined ? { body } : {}),
});
const answer = (status: number, location?: string) =>
  new Response(null, { status, headers: location === undefined ? {} : { location } });

describe('redirectHop', () => {
  it.each([200, 304, 300])('is no redirect for a %i, even with a Location', status => {
    expect(redirectHop(answer(status, '/elsewhere'), FROM, init('GET'))).toBeUndefined();
  });

  it('is no redirect without a Location', () => {
    expect(redirectHop(answer(302), FROM, init('GET'))).toBeUndefined();
  });

  it('resolves a relative Location and never carries Authorization over', () => {
    const hop = redirectHop(answer(307, '../new?q=1'), FROM, init('PUT', 'data'))!;
    expect(hop.url).toBe('https://kagenti.test/new?q=1');
    expect(hop.init.headers.has('authorization')).toBe(false);
    expect(hop.init.headers.get('x-kept')).toBe('1');
  });

  it.each([
    // status, method in, method out, body kept
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [303, 'HEAD', 'HEAD', true],
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [301, 'PUT', 'PUT', true],
    [302, 'DELETE', 'DELETE', true],
    [307, 'POST', 'POST', true],
    [308, 'POST', 'POST', true],
  ])('after a %i, a %s becomes a %s (body kept: %s)', (status, method, expected, kept) => {
    const hop = redirectHop(answer(status, '/next'), FROM, init(method, 'payload'))!;
    expect(hop.init.method).toBe(expected);
    expect(hop.init.body).toBe(kept ? 'payload' : undefined);
    expect(hop.init.headers.has('content-type')).toBe(kept);
  });
});
