import { createServer, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listenOnLoopback';
import { readBody } from './readBody';

/** One request as the fake Kagenti API saw it. */
export interface FakeKagentiRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lowercased names. */
  headers: Record<string, string | undefined>;
  /** The bearer token, when one was sent. */
  token?: string;
  /** `X-Backstage-User`, when sent. */
  backstageUser?: string;
  /** The raw body ('' for none). */
  body: string;
  /** The status answered; 0 until then. */
  status: number;
}

/** A server-sent event: `data` objects are sent as JSON. */
export interface FakeSseEvent {
  event?: string;
  data: unknown;
}

/**
 * What a route answers: JSON (default status 200), or a `text/event-stream` of these events,
 * then the end (with `hold: true` the stream stays open until the client or `close()` ends it).
 */
export type FakeKagentiReply =
  { status?: number; json?: unknown; headers?: Record<string, string> } | { sse: readonly FakeSseEvent[]; hold?: boolean };

/** Options of {@link startFakeKagentiApi}. */
export interface FakeKagentiApiOptions {
  /**
   * Checks bearer tokens (e.g. a {@link FakeKeycloak}): a request under `/api/` without an
   * active token gets 401 with an `invalid_token` challenge. Without it, no token is required.
   */
  tokens?: { isActive(token: string): boolean };
  /** The port on 127.0.0.1. Default 0: a free port. */
  port?: number;
}

/** A running fake Kagenti API. */
export interface FakeKagentiApi {
  /** `http://127.0.0.1:<port>`, for `boost.providers.kagenti.baseUrl`. */
  url: string;
  /** Every request, oldest first. */
  readonly requests: readonly FakeKagentiRequest[];
  /** Sets what `METHOD path` answers; a function sees the request. Unknown routes answer 404. */
  respond(method: string, path: string, reply: FakeKagentiReply | ((request: FakeKagentiRequest) => FakeKagentiReply)): void;
  /** The next `count` requests get 401 `invalid_token` whatever their token. */
  rejectNext(count?: number): void;
  /** Stops the server and ends every open connection and stream. */
  close(): Promise<void>;
}

const INVALID_TOKEN = 'Bearer realm="kagenti", error="invalid_token"';

function send(res: ServerResponse, record: FakeKagentiRequest, reply: FakeKagentiReply): void {
  if ('sse' in reply) {
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const { event, data } of reply.sse) {
      res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    }
    if (!reply.hold) res.end();
    return;
  }
  record.status = reply.status ?? 200;
  res.writeHead(record.status, { ...reply.headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(reply.json ?? {}));
}

/**
 * Starts a fake Kagenti API on 127.0.0.1 (a free port) that records every request and answers
 * what the test set with `respond`. For tests only.
 */
export async function startFakeKagentiApi(options: FakeKagentiApiOptions = {}): Promise<FakeKagentiApi> {
  const requests: FakeKagentiRequest[] = [];
  const routes = new Map<string, FakeKagentiReply | ((request: FakeKagentiRequest) => FakeKagentiReply)>();
  let rejectRemaining = 0;

  const server = createServer((req, res) => {
    void (async () => {
      // Stryker disable next-line StringLiteral: a server request always has a url (also skips the killed base-URL mutant)
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Stryker disable next-line StringLiteral: any other text without a Bearer scheme finds no token either
      const token = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const backstageUser = req.headers['x-backstage-user'];
      const record: FakeKagentiRequest = {
        // Stryker disable next-line StringLiteral: a server request always has a method
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers } as Record<string, string | undefined>,
        body: await readBody(req),
        status: 0,
        ...(token !== undefined ? { token } : {}),
        ...(typeof backstageUser === 'string' ? { backstageUser } : {}),
      };
      requests.push(record);
      const needsToken = options.tokens !== undefined && url.pathname.startsWith('/api/');
      // Stryker disable next-line OptionalChaining: needsToken is only true when options.tokens is set
      if (rejectRemaining > 0 || (needsToken && (token === undefined || !options.tokens?.isActive(token)))) {
        // Stryker disable next-line ConditionalExpression,EqualityOperator: a count below zero acts as zero (rejectNext sets it)
        if (rejectRemaining > 0) rejectRemaining -= 1;
        send(res, record, { status: 401, json: { detail: 'Not authenticated' }, headers: { 'www-authenticate': INVALID_TOKEN } });
        return;
      }
      const route = routes.get(`${record.method} ${record.path}`);
      if (route === undefined) {
        send(res, record, { status: 404, json: { detail: `no route ${record.method} ${record.path}` } });
        return;
      }
      send(res, record, typeof route === 'function' ? route(record) : route);
    })().catch(() => res.destroy());
  });
  const listening = await listenOnLoopback(server, options.port);

  return {
    url: listening.url,
    requests,
    respond: (method, path, reply) => {
      routes.set(`${method.toUpperCase()} ${path}`, reply);
    },
    rejectNext: (count = 1) => {
      rejectRemaining = count;
    },
    close: () => listening.close(),
  };
}
