import { request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

/** What a fake answered, read to its end. */
export interface LoopbackAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface LoopbackRequestOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
}

/**
 * Opens one request to `url` with exactly these headers (no client library adding its own), on a
 * connection of its own (no keep-alive pool shared between tests), and resolves with the response
 * as it arrives, before its body.
 */
export function openRequest(
  url: string,
  { method = 'GET', headers = {}, body }: LoopbackRequestOptions = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

/** One request as {@link openRequest} sends it, with the whole answer. */
export async function loopbackRequest(url: string, options: LoopbackRequestOptions = {}): Promise<LoopbackAnswer> {
  const res = await openRequest(url, options);
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

/** The answer's body parsed as JSON. */
export const jsonOf = (answer: LoopbackAnswer): unknown => JSON.parse(answer.body);
