import type { SendInit } from './requestParts';

/** Redirect statuses fetch follows (Fetch standard, "redirect status"). */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** The most redirects one request follows, as fetch does. */
export const MAX_REDIRECTS = 20;

/** The next hop of a redirect: where, and with what method and body. */
export interface RedirectHop {
  url: string;
  init: SendInit;
}

/**
 * The request a redirect answer asks for, as fetch makes it (Fetch standard, HTTP-redirect
 * fetch): 303 turns anything but HEAD into a body-less GET, 301 and 302 turn a POST into one;
 * 307 and 308 keep method and body. `undefined` when `response` is no redirect with a `Location`.
 * The `Authorization` header is never carried over: the caller decides whether the next hop gets
 * a token.
 */
export function redirectHop(response: Response, url: string, init: SendInit): RedirectHop | undefined {
  const location = response.headers.get('location');
  if (!REDIRECT_STATUSES.has(response.status) || location === null) return undefined;
  const next = new URL(location, url).toString();
  const headers = new Headers(init.headers);
  headers.delete('authorization');
  const toGet =
    (response.status === 303 && init.method !== 'HEAD') ||
    ((response.status === 301 || response.status === 302) && init.method === 'POST');
  if (!toGet) return { url: next, init: { ...init, headers } };
  for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'])
    headers.delete(name);
  const { body: _body, ...rest } = init;
  return { url: next, init: { ...rest, method: 'GET', headers } };
}
