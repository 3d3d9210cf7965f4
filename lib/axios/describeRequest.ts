import type { InternalAxiosRequestConfig } from 'axios';
import { isAbsoluteUrl, requestOrigin } from './requestOrigin';

/** `METHOD origin/path` for a log line: no query string, which may hold anything. */
export function describeRequest(config: InternalAxiosRequestConfig): string {
  const method = (config.method ?? 'get').toUpperCase();
  const origin = requestOrigin(config);
  const url = config.url ?? '';
  const path = url.split('?')[0];
  return `${method} ${isAbsoluteUrl(url) ? path : `${origin ?? ''}${path}`}`;
}
