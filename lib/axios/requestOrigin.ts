import type { InternalAxiosRequestConfig } from 'axios';
import { originOf } from '../policy/originOf';

const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** Whether axios treats `url` as absolute (scheme-qualified or protocol-relative). */
export function isAbsoluteUrl(url: string): boolean {
  return ABSOLUTE_URL.test(url);
}

// Nearly every request has the same baseURL; parsing it once saves a URL parse per request.
let lastBaseURL: string | undefined;
let lastBaseOrigin: string | undefined;

/** The origin the request will go to, resolved the way axios resolves it; undefined if unknown. */
export function requestOrigin(config: InternalAxiosRequestConfig): string | undefined {
  const url = config.url ?? '';
  if (isAbsoluteUrl(url) && config.allowAbsoluteUrls !== false) return originOf(url);
  const base = config.baseURL;
  if (base !== lastBaseURL) {
    lastBaseOrigin = originOf(base);
    lastBaseURL = base;
  }
  return lastBaseOrigin;
}
