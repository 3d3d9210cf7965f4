// A minimal loopback server for the benchmarks: a client-credentials token endpoint (JWT-shaped
// tokens, see jwtShapedToken.ts) and a bearer-protected API, each on its own port. It counts
// token requests per client at the endpoint itself, so contenders are measured by what reaches
// the wire, not by what they report.
// Deliberately tiny (no introspection, no signatures) so that server cost stays small and equal for all.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtShapedToken } from './jwtShapedToken';

export interface BenchClient {
  id: string;
  secret: string;
  /** `expires_in` of the tokens issued to this client; the API refuses them afterwards. */
  ttlSeconds: number;
}

export interface BenchServerOptions {
  clients: BenchClient[];
  /** Tokens the API accepts forever (the floor's fixed token). */
  fixedTokens?: string[];
  /** Delay before every token response, in ms. */
  tokenDelayMs?: number;
}

export interface Late401Options {
  /** How many 401s for revoked tokens are answered at once; the rest are held. */
  immediate: number;
  /** Held 401s are released this long after the first 200 served while holding. */
  releaseDelayMs: number;
  /** Held 401s are released after this long at the latest. */
  maxHoldMs: number;
}

export interface BenchServerStats {
  tokenRequests: number;
  tokenRequestsByClient: Record<string, number>;
  apiRequests: number;
  api200: number;
  api401: number;
  /** Token requests counted when held 401s were released; undefined if none were. */
  tokenRequestsAtRelease?: number;
  heldReleased: number;
}

export interface BenchServer {
  url: string;
  tokenEndpoint: string;
  stats(): BenchServerStats;
  resetStats(): void;
  /** Revokes every token issued so far, fixed ones included. */
  revokeAll(): void;
  setTokenDelay(ms: number): void;
  /** Holds 401s for revoked tokens until after a refresh (see {@link Late401Options}); undefined stops. */
  setLate401(options: Late401Options | undefined): void;
  close(): Promise<void>;
}

const OK_BODY = Buffer.from('{"ok":true,"items":[{"id":1,"name":"agent"}]}');
const UNAUTHORIZED_BODY = Buffer.from('{"error":"invalid_token"}');

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const clients = new Map(options.clients.map(client => [client.id, client]));
  /** token → expiry (epoch ms); Infinity for fixed tokens. */
  const tokens = new Map<string, number>();
  for (const token of options.fixedTokens ?? []) tokens.set(token, Infinity);
  let tokenDelayMs = options.tokenDelayMs ?? 0;

  let stats: BenchServerStats = freshStats();
  let late:
    | (Late401Options & {
        answered: number;
        held: ServerResponse[];
        released: boolean;
        timer?: NodeJS.Timeout;
        releasing?: NodeJS.Timeout;
      })
    | undefined;

  function freshStats(): BenchServerStats {
    return { tokenRequests: 0, tokenRequestsByClient: {}, apiRequests: 0, api200: 0, api401: 0, heldReleased: 0 };
  }

  function send(res: ServerResponse, status: number, body: Buffer, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length), ...extra });
    res.end(body);
  }

  function send401(res: ServerResponse): void {
    send(res, 401, UNAUTHORIZED_BODY, { 'www-authenticate': 'Bearer realm="bench", error="invalid_token"' });
  }

  function releaseHeld(): void {
    if (!late || late.released) return;
    const current = late;
    current.released = true;
    clearTimeout(current.timer);
    clearTimeout(current.releasing);
    stats.tokenRequestsAtRelease = stats.tokenRequests;
    const held = current.held.splice(0);
    stats.heldReleased += held.length;
    for (const res of held) send401(res);
  }

  function handleToken(req: IncomingMessage, res: ServerResponse, body: string): void {
    const form = new URLSearchParams(body);
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const authorization = req.headers.authorization;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
    const client = id === undefined ? undefined : clients.get(id);
    stats.tokenRequests++;
    if (id !== undefined) stats.tokenRequestsByClient[id] = (stats.tokenRequestsByClient[id] ?? 0) + 1;
    const answer = () => {
      if (form.get('grant_type') !== 'client_credentials') {
        send(res, 400, Buffer.from('{"error":"unsupported_grant_type"}'));
        return;
      }
      if (!client || client.secret !== secret) {
        send(res, 401, Buffer.from('{"error":"invalid_client"}'));
        return;
      }
      const token = jwtShapedToken(client.ttlSeconds);
      tokens.set(token, Date.now() + client.ttlSeconds * 1000);
      send(res, 200, Buffer.from(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: client.ttlSeconds })), {
        'cache-control': 'no-store',
      });
    };
    if (tokenDelayMs > 0) setTimeout(answer, tokenDelayMs);
    else answer();
  }

  function handleApi(req: IncomingMessage, res: ServerResponse): void {
    stats.apiRequests++;
    const authorization = req.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const expiry = token === undefined ? undefined : tokens.get(token);
    if (expiry !== undefined && Date.now() < expiry) {
      stats.api200++;
      send(res, 200, OK_BODY);
      if (late && !late.released && late.releasing === undefined && late.answered >= late.immediate) {
        late.releasing = setTimeout(releaseHeld, late.releaseDelayMs);
      }
      return;
    }
    stats.api401++;
    if (late && !late.released && late.answered >= late.immediate) {
      late.held.push(res);
      return;
    }
    if (late) late.answered++;
    send401(res);
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === '/token') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handleToken(req, res, Buffer.concat(chunks).toString('utf8')));
      return;
    }
    if (url.startsWith('/api/')) {
      // Drain any body so keep-alive connections stay usable.
      req.resume();
      handleApi(req, res);
      return;
    }
    req.resume();
    send(res, 404, Buffer.from('{"error":"not_found"}'));
  };
  // The token endpoint has an origin of its own, as Keycloak has: undici-oidc-interceptor sends
  // its token requests through the dispatcher it is composed into, and would intercept (and
  // recurse into) a token endpoint on the API's origin. One handler serves both listeners.
  const [api, idp] = await Promise.all([listen(handle), listen(handle)]);

  return {
    url: api.url,
    tokenEndpoint: `${idp.url}/token`,
    stats: () => ({ ...stats, tokenRequestsByClient: { ...stats.tokenRequestsByClient } }),
    resetStats() {
      stats = freshStats();
    },
    revokeAll() {
      tokens.clear();
    },
    setTokenDelay(ms) {
      tokenDelayMs = ms;
    },
    setLate401(lateOptions) {
      if (late) releaseHeld();
      if (!lateOptions) {
        late = undefined;
        return;
      }
      const created: NonNullable<typeof late> = { ...lateOptions, answered: 0, held: [], released: false };
      created.timer = setTimeout(releaseHeld, lateOptions.maxHoldMs);
      late = created;
    },
    async close() {
      if (late) releaseHeld();
      late = undefined;
      await Promise.all([api.close(), idp.close()]);
    },
  };
}

async function listen(handle: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handle);
  server.keepAliveTimeout = 30_000;
  server.maxRequestsPerSocket = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
