import { STATUS_CODES } from 'node:http';
import { AxiosHeaders, type AxiosResponse } from 'axios';

/** Options of {@link mockKagentiResponse}. */
export interface MockKagentiResponseInit {
  /** Default 200. */
  status?: number;
  /** Response headers. Default: none. */
  headers?: Record<string, string>;
}

/**
 * An axios response for a stand-in `requestCore` to resolve with, e.g.
 * `requestCore: async () => mockKagentiResponse({ items: [] })`. Typed `AxiosResponse<never>` so
 * that it fits `requestCore<T>` whatever `T` the plugin asks for; the data is returned as given.
 */
export function mockKagentiResponse(data: unknown, init: MockKagentiResponseInit = {}): AxiosResponse<never> {
  const status = init.status ?? 200;
  const headers = new AxiosHeaders(init.headers);
  return {
    data: data as never,
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers,
    config: { headers: new AxiosHeaders() },
  };
}
