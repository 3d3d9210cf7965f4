import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** A whole answer. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
}

/** One request on a connection of its own (no keep-alive), answered in full. */
export function call(url: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = send(url, options, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** An answer still arriving. */
export interface OpenStream {
  response: IncomingMessage;
  /** What arrived so far. */
  text(): string;
  /** Resolves with the text so far once it contains `expected`. */
  received(expected: string): Promise<string>;
  /** Resolves when the answer has ended or its connection closed. */
  ended: Promise<void>;
  /** Goes away, as a closed browser tab does. */
  destroy(): void;
}

/** A request whose answer is read as it comes: resolves once its headers are in. */
export function openStream(url: string, options: RequestOptions = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = send(url, options, response => {
      let text = '';
      const waiting = new Set<() => void>();
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        for (const check of waiting) check();
      });
      const ended = new Promise<void>(done => {
        response.once('end', done);
        response.once('close', done);
      });
      resolve({
        response,
        text: () => text,
        received: expected =>
          new Promise<string>(done => {
            const check = () => {
              if (!text.includes(expected)) return;
              waiting.delete(check);
              done(text);
            };
            waiting.add(check);
            check();
          }),
        ended,
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

function send(url: string, options: RequestOptions, onResponse: (response: IncomingMessage) => void) {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers = { ...options.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const req = request(url, { method: options.method ?? 'GET', agent: false, headers }, onResponse);
  req.end(body);
  return req;
}

/** Rejects after `ms` naming `what`, so that a test fails with a message rather than jest's timeout. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls `condition` every 20 ms; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
