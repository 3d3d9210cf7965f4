import { createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IntrospectionClient {
  id: string;
  secret: string;
}

export interface KagentiServerOptions {
  introspectionEndpoint: string;
  introspectionClient: IntrospectionClient;
  /**
   * oidc-provider does not store JWT-format tokens, so introspection calls them inactive. With
   * this set, JWT-shaped tokens are verified locally against these keys instead.
   */
  jwksUri?: string;
  /** Required `iss` for locally verified JWTs. */
  issuer?: string;
  /** Audiences every token must carry (all of them); none by default. `requireAudiences` changes them. */
  requiredAudiences?: string[];
  /**
   * How a token is refused: `'rfc6750'` (default) with a `WWW-Authenticate` challenge; `'authbridge'`
   * as Kagenti's AuthBridge does, 401 `{"error":"unauthorized","message":"token validation failed"}`
   * with no challenge, whatever the reason (missing, inactive, wrong audience).
   */
  rejection?: 'rfc6750' | 'authbridge';
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lowercased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  token?: string;
  backstageUser?: string;
  /** 0 until the response head is written. */
  status: number;
  /** Why the request was refused, when it was. */
  authError?: string;
}

export interface KagentiServerHandle {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The bearer token of every request that carried one, in arrival order, repeats included. */
  tokensSeen: string[];
  /** Refuses this token from now on without asking the token server. */
  revoke(token: string): void;
  /** Audiences every token must carry from now on (an empty list: none). */
  requireAudiences(audiences: string[]): void;
  setAlways401(on: boolean): void;
  /** The next `count` authenticated API requests get a forced 401 whatever their token. */
  failNext401(count?: number): void;
  /**
   * WWW-Authenticate for forced 401s; undefined restores the default invalid_token challenge and
   * '' sends no header at all.
   */
  setChallenge(header: string | undefined): void;
  /** Forgets recorded requests and tokens (not revocations or forced-401 settings). */
  clear(): void;
  close(): Promise<void>;
}

const REALM = 'kagenti';
const MISSING_CHALLENGE = `Bearer realm="${REALM}"`;
const INTROSPECTION_TIMEOUT_MS = 5_000;

const invalidTokenChallenge = (description: string): string =>
  `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;

type AuthOutcome =
  { ok: true; clientId?: string; audiences?: string[] } | { ok: false; status: number; challenge?: string; reason: string };

const AUTHBRIDGE_REFUSAL = { error: 'unauthorized', message: 'token validation failed' };

function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const AGENTS = [
  { name: 'weather-service', description: 'Answers questions about the weather', status: 'Ready' },
  { name: 'research-assistant', description: 'Searches and summarises sources', status: 'Ready' },
];
const TOOLS = [
  { name: 'weather-tool', protocol: 'MCP', status: 'Ready' },
  { name: 'web-search', protocol: 'MCP', status: 'Ready' },
];

export async function startKagentiServer(options: KagentiServerOptions): Promise<KagentiServerHandle> {
  const requests: RecordedRequest[] = [];
  const tokensSeen: string[] = [];
  const revoked = new Set<string>();
  const streams = new Set<{ timer?: NodeJS.Timeout; res: ServerResponse }>();
  let always401 = false;
  let forced401Remaining = 0;
  let challenge: string | undefined;
  let jwks: JsonWebKey[] | undefined;
  let requiredAudiences = [...(options.requiredAudiences ?? [])];
  const authBridge = options.rejection === 'authbridge';

  const introspect = async (token: string): Promise<AuthOutcome> => {
    const { id, secret } = options.introspectionClient;
    let response: Response;
    try {
      response = await fetch(options.introspectionEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(INTROSPECTION_TIMEOUT_MS),
      });
    } catch (err) {
      return { ok: false, status: 503, reason: `introspection unreachable: ${(err as Error).message}` };
    }
    if (!response.ok) {
      return { ok: false, status: 503, reason: `introspection answered ${response.status}` };
    }
    const result = (await response.json()) as { active?: boolean; client_id?: string; token_type?: string; aud?: unknown };
    if (result.active !== true) {
      return { ok: false, status: 401, challenge: invalidTokenChallenge('token is not active'), reason: 'inactive' };
    }
    return { ok: true, clientId: result.client_id, audiences: audienceList(result.aud) };
  };

  const loadJwks = async (uri: string): Promise<JsonWebKey[]> => {
    if (jwks === undefined) {
      const response = await fetch(uri, { signal: AbortSignal.timeout(INTROSPECTION_TIMEOUT_MS) });
      jwks = ((await response.json()) as { keys: JsonWebKey[] }).keys;
    }
    return jwks;
  };

  const verifyJwt = async (token: string, uri: string): Promise<AuthOutcome> => {
    const reject = (reason: string): AuthOutcome => ({
      ok: false,
      status: 401,
      challenge: invalidTokenChallenge(reason),
      reason,
    });
    const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
    const header = decodeSegment(headerPart);
    const payload = decodeSegment(payloadPart);
    if (!header || !payload) return reject('malformed token');
    if (header.alg !== 'RS256') return reject('unsupported alg');
    let keys: JsonWebKey[];
    try {
      keys = await loadJwks(uri);
    } catch (err) {
      return { ok: false, status: 503, reason: `jwks unreachable: ${(err as Error).message}` };
    }
    const jwk = keys.find(key => key.kid === header.kid);
    if (!jwk) return reject('unknown signing key');
    const valid = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      createPublicKey({ key: jwk, format: 'jwk' }),
      Buffer.from(signaturePart, 'base64url'),
    );
    if (!valid) return reject('bad signature');
    if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) return reject('token expired');
    if (options.issuer !== undefined && payload.iss !== options.issuer) return reject('wrong issuer');
    return {
      ok: true,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
      audiences: audienceList(payload.aud),
    };
  };

  const authenticate = async (authorization: string | undefined): Promise<AuthOutcome> => {
    if (authorization === undefined) {
      return { ok: false, status: 401, challenge: MISSING_CHALLENGE, reason: 'missing token' };
    }
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization);
    if (!match) {
      // RFC 6750 §3.1: a malformed request is invalid_request (400), not invalid_token.
      return {
        ok: false,
        status: 400,
        challenge: `Bearer realm="${REALM}", error="invalid_request"`,
        reason: 'malformed authorization header',
      };
    }
    const token = match[1];
    if (revoked.has(token)) {
      return { ok: false, status: 401, challenge: invalidTokenChallenge('token revoked'), reason: 'revoked locally' };
    }
    if (options.jwksUri !== undefined && token.split('.').length === 3) return verifyJwt(token, options.jwksUri);
    return introspect(token);
  };

  const checkAudiences = (outcome: AuthOutcome): AuthOutcome => {
    if (!outcome.ok) return outcome;
    const missing = requiredAudiences.find(audience => !outcome.audiences?.includes(audience));
    if (missing === undefined) return outcome;
    return {
      ok: false,
      status: 401,
      challenge: invalidTokenChallenge('token lacks a required audience'),
      reason: `audience ${missing} missing`,
    };
  };

  const stream = (res: ServerResponse, query: URLSearchParams): void => {
    const total = Math.max(0, Number(query.get('events') ?? 5) || 0);
    const intervalMs = Math.max(0, Number(query.get('intervalMs') ?? 500) || 0);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const entry: { timer?: NodeJS.Timeout; res: ServerResponse } = { res };
    streams.add(entry);
    let sent = 0;
    const finish = (): void => {
      clearTimeout(entry.timer);
      streams.delete(entry);
    };
    const tick = (): void => {
      if (sent < total) {
        const data = JSON.stringify({ index: sent, delta: `chunk ${sent}` });
        res.write(`id: ${sent}\nevent: message\ndata: ${data}\n\n`);
        sent += 1;
        entry.timer = setTimeout(tick, intervalMs);
        return;
      }
      res.end(`event: done\ndata: ${JSON.stringify({ events: total })}\n\n`);
      finish();
    };
    res.on('close', finish);
    tick();
  };

  const route = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    headers: Record<string, string>,
  ): Promise<void> => {
    const namespace = query.get('namespace') ?? 'team1';
    const key = `${req.method} ${path}`;
    switch (key) {
      case 'GET /api/v1/agents':
        sendJson(res, 200, { items: AGENTS.map(agent => ({ ...agent, namespace })) });
        return;
      case 'GET /api/v1/tools':
        sendJson(res, 200, { items: TOOLS.map(tool => ({ ...tool, namespace })) });
        return;
      case 'POST /api/v1/chat': {
        const raw = await readBody(req);
        let received: unknown;
        try {
          received = raw === '' ? {} : JSON.parse(raw);
        } catch {
          sendJson(res, 400, { detail: 'body must be JSON' });
          return;
        }
        const message = (received as { message?: unknown }).message;
        sendJson(res, 200, { reply: `echo: ${typeof message === 'string' ? message : ''}`, received });
        return;
      }
      case 'GET /api/v1/chat/stream':
      case 'POST /api/v1/chat/stream':
        if (req.method === 'POST') await readBody(req);
        stream(res, query);
        return;
      case 'GET /api/v1/echo-headers':
        sendJson(res, 200, { headers });
        return;
      default:
        sendJson(res, 404, { detail: `no route ${key}` });
    }
  };

  const server = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = flattenHeaders(req);
    const bearer = /^Bearer +(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      headers,
      status: 0,
      ...(bearer !== undefined ? { token: bearer } : {}),
      ...(headers['x-backstage-user'] !== undefined ? { backstageUser: headers['x-backstage-user'] } : {}),
    };
    requests.push(record);
    if (bearer !== undefined) tokensSeen.push(bearer);
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = (...args: unknown[]) => {
      record.status = args[0] as number;
      return writeHead(...args);
    };

    const handle = async (): Promise<void> => {
      if (parsed.pathname === '/health') {
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      if (!parsed.pathname.startsWith('/api/')) {
        sendJson(res, 404, { detail: 'not found' });
        return;
      }
      const outcome = checkAudiences(await authenticate(headers.authorization));
      if (!outcome.ok && outcome.status === 401 && authBridge) {
        record.authError = outcome.reason;
        sendJson(res, 401, AUTHBRIDGE_REFUSAL);
        return;
      }
      if (!outcome.ok) {
        record.authError = outcome.reason;
        sendJson(
          res,
          outcome.status,
          outcome.status === 401 && outcome.challenge === MISSING_CHALLENGE
            ? { detail: 'Not authenticated' }
            : { detail: outcome.reason, ...(outcome.status === 401 ? { error: 'invalid_token' } : {}) },
          outcome.challenge !== undefined ? { 'www-authenticate': outcome.challenge } : {},
        );
        return;
      }
      if (always401 || forced401Remaining > 0) {
        if (!always401) forced401Remaining -= 1;
        record.authError = 'forced 401';
        const forcedChallenge = challenge ?? invalidTokenChallenge('token rejected');
        sendJson(
          res,
          401,
          { detail: 'forced 401', error: 'invalid_token' },
          forcedChallenge === '' ? {} : { 'www-authenticate': forcedChallenge },
        );
        return;
      }
      await route(req, res, parsed.pathname, parsed.searchParams, headers);
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { detail: (err as Error).message });
      else res.destroy();
    });
  });

  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    tokensSeen,
    revoke: token => {
      revoked.add(token);
    },
    requireAudiences: audiences => {
      requiredAudiences = [...audiences];
    },
    setAlways401: on => {
      always401 = on;
    },
    failNext401: (count = 1) => {
      forced401Remaining = count;
    },
    setChallenge: header => {
      challenge = header;
    },
    clear: () => {
      requests.length = 0;
      tokensSeen.length = 0;
    },
    close: async () => {
      for (const entry of streams) {
        clearTimeout(entry.timer);
        entry.res.destroy();
      }
      streams.clear();
      await closeServer(server);
    },
  };
}

export interface PlainRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  path: string;
  headers: Record<string, string>;
}

export interface PlainServerHandle {
  url: string;
  port: number;
  requests: PlainRequest[];
  close(): Promise<void>;
}

/**
 * A server on another origin that trusts nobody: records what it is sent and answers 200 JSON.
 * `GET /redirect?to=URL` answers 302 to URL; `?status=NNN` on any path answers that status.
 */
export async function startPlainServer(): Promise<PlainServerHandle> {
  const requests: PlainRequest[] = [];
  const server = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', path: parsed.pathname, headers: flattenHeaders(req) });
    // Drain any body so keep-alive connections stay usable.
    req.resume();
    const to = parsed.searchParams.get('to');
    if (req.method === 'GET' && parsed.pathname === '/redirect' && to !== null) {
      res.writeHead(302, { location: to, 'content-length': '0' });
      res.end();
      return;
    }
    const status = Number(parsed.searchParams.get('status') ?? 200);
    sendJson(res, status >= 200 && status <= 599 ? status : 200, { ok: true, path: parsed.pathname });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => closeServer(server),
  };
}
