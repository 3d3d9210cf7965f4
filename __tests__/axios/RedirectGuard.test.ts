import axios, { type InternalAxiosRequestConfig } from 'axios';
import { OriginPolicy } from '../../lib/policy/OriginPolicy';
import { RedirectGuard } from '../../lib/axios/RedirectGuard';

const ALLOWED = 'https://kagenti.test';
const guard = () => new RedirectGuard(OriginPolicy.create(undefined, ALLOWED, 'unused'));
const request = (extra: Partial<InternalAxiosRequestConfig> = {}) =>
  ({ headers: axios.AxiosHeaders.from({}), ...extra }) as InternalAxiosRequestConfig;

/** What Node's redirect engine passes to `beforeRedirect`: the next hop and the headers it will send. */
function hop(target: Record<string, unknown>, headers: Record<string, unknown> = { Authorization: 'Bearer t', Accept: 'x' }) {
  return { ...target, headers: { ...headers } };
}

function follow(config: InternalAxiosRequestConfig, options: Record<string, unknown>) {
  config.beforeRedirect?.(options, { headers: {}, statusCode: 302 }, {} as never);
  return options.headers as Record<string, unknown>;
}

describe('RedirectGuard', () => {
  it.each([
    ['another host', { href: 'https://evil.test/x' }],
    ['another port', { href: 'https://kagenti.test:8443/x' }],
    ['plain http', { href: 'http://kagenti.test/x' }],
    ['another host given as protocol and host', { protocol: 'https:', host: 'evil.test' }],
    ['a hop whose origin cannot be told', { href: 'not a url' }],
  ])('strips Authorization, in any case of its name, on a redirect to %s', (_label, target) => {
    const config = request();
    guard().protect(config);
    expect(follow(config, hop(target, { authorization: 'Bearer t', AUTHORIZATION: 'Bearer t', Accept: 'x' }))).toEqual({
      Accept: 'x',
    });
  });

  it.each([
    ['an href that is a URL object, not a string', { href: new URL('https://kagenti.test/next') }],
    ['a host that is not a string', { protocol: 'https:', host: ['kagenti.test'] }],
    ['a protocol that is not a string', { protocol: ['https:'], host: 'kagenti.test' }],
    ['a protocol but no host', { protocol: 'https:' }],
  ])(
    'strips Authorization on a hop with %s, though it would read as the allowed origin once made a string (fails closed)',
    (_label, target) => {
      const config = request();
      guard().protect(config);
      expect(follow(config, hop(target))).toEqual({ Accept: 'x' });
    },
  );

  it.each([
    ['its href', { href: 'https://kagenti.test/next' }],
    ['its protocol and host', { protocol: 'https:', host: 'kagenti.test' }],
  ])('keeps the headers on a redirect to the allowed origin, told by %s', (_label, target) => {
    const config = request();
    guard().protect(config);
    expect(follow(config, hop(target))).toEqual({ Authorization: 'Bearer t', Accept: 'x' });
  });

  it("runs the caller's own beforeRedirect first, so it cannot put the token back off-origin", () => {
    const calls: string[] = [];
    const config = request({
      beforeRedirect: options => {
        calls.push('caller');
        (options.headers as Record<string, unknown>).Authorization = 'Bearer put-back';
      },
    });
    guard().protect(config);
    expect(follow(config, hop({ href: 'https://evil.test/' }))).toEqual({ Accept: 'x' });
    expect(calls).toEqual(['caller']);
  });

  it('wraps a request only once, however often it is protected (a retry passes through again)', () => {
    let callerCalls = 0;
    const config = request({ beforeRedirect: () => void callerCalls++ });
    const redirectGuard = guard();
    redirectGuard.protect(config);
    const wrapped = config.beforeRedirect;
    redirectGuard.protect(config);
    expect(config.beforeRedirect).toBe(wrapped);
    follow(config, hop({ href: 'https://evil.test/' }));
    expect(callerCalls).toBe(1);
  });

  it('gives every unhooked request the same shared hook', () => {
    const redirectGuard = guard();
    const a = request();
    const b = request();
    redirectGuard.protect(a);
    redirectGuard.protect(b);
    expect(a.beforeRedirect).toBeDefined();
    expect(a.beforeRedirect).toBe(b.beforeRedirect);
  });

  it('leaves a hop without headers alone', () => {
    const config = request();
    guard().protect(config);
    expect(() =>
      config.beforeRedirect?.({ href: 'https://evil.test/' }, { headers: {}, statusCode: 302 }, {} as never),
    ).not.toThrow();
  });
});
