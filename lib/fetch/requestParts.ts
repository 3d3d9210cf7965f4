import { isReplayable } from '../policy/isReplayable';
import type { KagentiAuthRequestOptions } from '../policy/KagentiAuthRequestOptions';
import type { AuthorizedFetchInit, FetchInit, FetchInput } from './AuthorizedFetch';

/** The init the authorized fetch sends: the caller's, with the fields it reads made plain. */
export type SendInit = FetchInit & { headers: Headers; method: string; redirect: NonNullable<FetchInit['redirect']> };

/** One request as the authorized fetch handles it: everything it may send again. */
export interface RequestParts {
  url: string;
  /** Without `kagentiAuth`; a `Request`'s own fields folded in, the caller's `init` winning. */
  init: SendInit;
  /** Whether the body can be sent again byte for byte (none, text, bytes, a Blob, form data; not a stream). */
  replayable: boolean;
  options: KagentiAuthRequestOptions;
}

const ABSOLUTE = /^[a-z][a-z\d+\-.]*:/i;

/**
 * Reads `fetch`'s arguments into {@link RequestParts}: a relative URL joined to `baseUrl` (as
 * axios joins them: `baseUrl` + "/" + path); a `Request`'s method, headers, signal and redirect
 * mode taken over, and its body read into memory so that it can be sent twice; `init` wins.
 * @throws TypeError for a relative URL without a `baseUrl`, or a `Request` whose body was read.
 */
export async function requestParts(
  input: FetchInput,
  init: AuthorizedFetchInit | undefined,
  baseUrl: string | undefined,
): Promise<RequestParts> {
  const { kagentiAuth, ...rest } = init ?? {};
  const merged: FetchInit = input instanceof Request ? { ...(await fromRequest(input, rest)), ...rest } : rest;
  return {
    url: input instanceof Request ? input.url : resolve(String(input), baseUrl),
    init: {
      ...merged,
      method: (merged.method ?? 'GET').toUpperCase(),
      headers: new Headers(merged.headers),
      redirect: merged.redirect ?? 'follow',
    },
    replayable: isReplayable(merged.body),
    options: kagentiAuth ?? {},
  };
}

async function fromRequest(request: Request, init: FetchInit): Promise<FetchInit> {
  if (request.bodyUsed) throw new TypeError('createAuthorizedFetch: the Request body was already read; it cannot be sent');
  const body = init.body === undefined && request.body !== null ? { body: await request.arrayBuffer() } : {};
  return { method: request.method, headers: request.headers, signal: request.signal, redirect: request.redirect, ...body };
}

function resolve(url: string, baseUrl: string | undefined): string {
  if (ABSOLUTE.test(url)) return url;
  if (baseUrl === undefined) {
    throw new TypeError(
      `createAuthorizedFetch: "${url.split('?')[0]}" is relative, and there is no baseUrl to resolve it against`,
    );
  }
  return joinUrl(baseUrl, url);
}

/** A path below a base URL, joined as axios joins them: one "/" between, whatever each side has. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
