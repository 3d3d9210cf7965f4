import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FakeKagentiApi, FakeKagentiReply, FakeKeycloak, FakeKeycloakFault } from '../testing';
import { listenOnLoopback, type LoopbackServer } from '../testing/listenOnLoopback';
import { readBody } from '../testing/readBody';

/** Where the control API lives on its server. */
export const CONTROL_PATH = '/_control';

/** What `GET /_control/counts` answers. */
export interface FakesCounts {
  /** Token requests the fake Keycloak received, whatever it answered. */
  tokenRequests: number;
  /** Requests the fake Kagenti API received. */
  apiRequests: number;
  /** Of those, the ones answered 401. */
  apiRequestsRejected: number;
}

/** A body the control API cannot take: answered 400 with this message, which never quotes the body. */
class BadControlRequest extends Error {}

function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readBody(req));
  } catch {
    throw new BadControlRequest('the body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadControlRequest('the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

const FAULT_SHAPE =
  'the fault must be {"mode":"none"}, {"mode":"hang"} or {"mode":"status","status":<100-599>,"error"?:"<oauth error>"}';

function toFault(body: Record<string, unknown>): FakeKeycloakFault {
  if (body.mode === 'none' || body.mode === 'hang') return { mode: body.mode };
  const { status, error } = body;
  if (body.mode !== 'status' || !Number.isInteger(status) || (status as number) < 100 || (status as number) > 599) {
    throw new BadControlRequest(FAULT_SHAPE);
  }
  if (error !== undefined && typeof error !== 'string') throw new BadControlRequest(FAULT_SHAPE);
  // The fake Keycloak treats an undefined error as none.
  return { mode: 'status', status: status as number, error };
}

const ROUTE_SHAPE =
  'the route must be {"method":"GET","path":"/api/...","reply":{"status"?:200,"json"?:...} or {"sse":[{"event"?:"...","data":...}]}}';

function toRoute(body: Record<string, unknown>): { method: string; path: string; reply: FakeKagentiReply } {
  const { method, path, reply } = body;
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method) || typeof path !== 'string' || !path.startsWith('/')) {
    throw new BadControlRequest(ROUTE_SHAPE);
  }
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) throw new BadControlRequest(ROUTE_SHAPE);
  const { status, sse } = reply as { status?: unknown; sse?: unknown };
  if (sse !== undefined && !Array.isArray(sse)) throw new BadControlRequest(ROUTE_SHAPE);
  if (status !== undefined && (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599)) {
    throw new BadControlRequest(ROUTE_SHAPE);
  }
  return { method, path, reply };
}

function toCount(body: Record<string, unknown>): number {
  const count = body.count ?? 1;
  if (!Number.isInteger(count) || (count as number) < 0) throw new BadControlRequest('count must be an integer of 0 or more');
  return count as number;
}

/**
 * The control API of `kagenti-auth-fakes`, on 127.0.0.1 (`port`; 0: a free port), JSON in and out:
 *
 * | request | what it does |
 * | --- | --- |
 * | `GET /_control/counts` | {@link FakesCounts} |
 * | `POST /_control/revoke-all` | revokes every token issued so far (the next API call gets 401, then a fresh token) |
 * | `PUT /_control/fault` | sets the fake Keycloak's fault (`{ "mode": "hang" }`, `{ "mode": "status", "status": 503 }`) |
 * | `DELETE /_control/fault` | clears it |
 * | `POST /_control/reject-next` | the next `count` API requests (default 1) get 401 |
 * | `PUT /_control/routes` | what the fake Kagenti API answers to `method` `path` (`reply`: `{ status?, json? }` or `{ sse: [...] }`) |
 *
 * Answers 204 to a change, 400 to a body it cannot take, 404 to anything else. Never answers a
 * token or a secret.
 */
export async function startControlServer(
  fakes: { keycloak: FakeKeycloak; kagenti: FakeKagentiApi },
  port = 0,
): Promise<LoopbackServer> {
  const { keycloak, kagenti } = fakes;
  const routes: Record<string, (req: IncomingMessage) => FakesCounts | undefined | Promise<undefined>> = {
    'GET /counts': () => ({
      tokenRequests: keycloak.requests.length,
      apiRequests: kagenti.requests.length,
      apiRequestsRejected: kagenti.requests.filter(request => request.status === 401).length,
    }),
    'POST /revoke-all': () => {
      keycloak.revokeAll();
      return undefined;
    },
    'PUT /fault': async req => {
      keycloak.setFault(toFault(await readJson(req)));
      return undefined;
    },
    'DELETE /fault': () => {
      // Stryker disable next-line ObjectLiteral,StringLiteral: the fake Keycloak answers normally for every mode but hang and status
      keycloak.setFault({ mode: 'none' });
      return undefined;
    },
    'POST /reject-next': async req => {
      kagenti.rejectNext(toCount(await readJson(req)));
      return undefined;
    },
    'PUT /routes': async req => {
      const { method, path, reply } = toRoute(await readJson(req));
      kagenti.respond(method, path, reply);
      return undefined;
    },
  };

  const server = createServer((req, res) => {
    // Stryker disable next-line StringLiteral: a server's request always has a url
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const handler = path.startsWith(`${CONTROL_PATH}/`) ? routes[`${req.method} ${path.slice(CONTROL_PATH.length)}`] : undefined;
    if (handler === undefined) {
      sendJson(res, 404, { error: `no control request ${req.method} ${path}; see ${CONTROL_PATH}/counts and the docs` });
      return;
    }
    // A thrown BadControlRequest and a rejected one end the same way.
    Promise.resolve()
      .then(() => handler(req))
      .then(
        answer => sendJson(res, answer === undefined ? 204 : 200, answer),
        (error: unknown) => {
          // Stryker disable next-line ConditionalExpression: anything else is readBody failing for a client that went away, which no answer reaches
          if (error instanceof BadControlRequest) sendJson(res, 400, { error: error.message });
          else res.destroy();
        },
      );
  });
  return listenOnLoopback(server, port);
}
