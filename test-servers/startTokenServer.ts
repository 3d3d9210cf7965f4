import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export type TokenFormat = 'opaque' | 'jwt';

export interface StartTokenServerOptions {
  /** Lifetime of client_credentials tokens; also the `expires_in` the server answers. */
  ttlSeconds?: number;
  format?: TokenFormat;
  realm?: string;
  /** How long to wait for the READY line. */
  startTimeoutMs?: number;
  /**
   * `private_key_jwt` clients to register, by name, each with its public JWKS (tests generate the
   * key pairs; private members are refused).
   */
  keyClients?: Record<string, { id: string; jwks: { keys: object[] } }>;
}

export interface TestClient {
  id: string;
  secret: string;
}

export interface TokenServerClients {
  /** Registered for client_secret_basic. */
  basic: TestClient;
  /** Registered for client_secret_post. */
  post: TestClient;
  /** client_secret_basic with a secret full of characters that need form-urlencoding. */
  special: TestClient;
  /** The resource server's own client, allowed to introspect anyone's tokens. */
  api: TestClient;
  /** Authenticates fine but every token request is refused with `unauthorized_client`. */
  unauthorized: TestClient;
  /** Registered for client_secret_jwt (HS256 over the secret). */
  secretJwt: TestClient;
}

export interface TokenServerInfo {
  issuer: string;
  port: number;
  realm: string;
  format: TokenFormat;
  ttlSeconds: number;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  jwksUri: string;
  discoveryUrl: string;
  controlUrl: string;
  /** The resource indicator every client_credentials token is issued for. */
  resource: string;
  /** The `aud` of every issued token. */
  audience: string;
  clients: TokenServerClients;
  /** The `private_key_jwt` clients registered with `keyClients`, by the same names. */
  keyClients: Record<string, { id: string }>;
}

export type TokenFaultMode = 'none' | 'hang' | 'status' | 'html' | 'slow' | 'close-mid-body' | 'fail-then-recover';

/**
 * Applies to token-endpoint POSTs only. Without `times` a fault lasts until replaced or reset;
 * with `times` it hits that many requests and then heals ('fail-then-recover' defaults to 1).
 */
export type TokenFault =
  | { mode: 'none' }
  | { mode: 'hang'; times?: number }
  | {
      mode: 'status';
      status: number;
      /** RFC 6749 error code; defaults from the status (401 invalid_client, 503 temporarily_unavailable, ...). */
      error?: string;
      errorDescription?: string;
      retryAfter?: number;
      times?: number;
    }
  | { mode: 'html'; times?: number }
  | { mode: 'slow'; delayMs?: number; times?: number }
  | { mode: 'close-mid-body'; times?: number }
  | { mode: 'fail-then-recover'; times?: number; status?: number; retryAfter?: number };

export interface TokenRequestRecord {
  /** From the Basic header, the `client_id` form field or the assertion's `sub`; '(none)' when none is present. */
  clientId: string;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'client_assertion' | 'none' | 'other';
  /** The decoded (unverified) header and claims of a `client_assertion`, when one was sent. */
  assertion?: { alg?: string; kid?: string; jti?: string; iat?: number; exp?: number; aud?: unknown; malformed?: true };
  grantType?: string;
  scope?: string;
  /** 0 for a request left hanging. */
  status: number;
  fault?: TokenFaultMode;
  /** The secret was refused by the rotation layer (an old secret past its grace period, or a wrong one). */
  secretRefused?: true;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

export interface TokenServerStats {
  tokenRequests: {
    total: number;
    byClient: Record<string, number>;
    /** Oldest first, capped at the last 1000. */
    log: TokenRequestRecord[];
  };
  /** Tokens actually issued (successful responses only). */
  issued: number;
  introspectionRequests: number;
  revocationRequests: number;
}

export interface IntrospectionResult {
  active: boolean;
  client_id?: string;
  scope?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  token_type?: string;
  [claim: string]: unknown;
}

export interface TokenServerHandle extends TokenServerInfo {
  pid: number;
  stats(): Promise<TokenServerStats>;
  /** Clears stats, the fault, extra audiences and secret rotations; `tokens: true` also forgets every issued token. */
  reset(options?: { tokens?: boolean }): Promise<void>;
  setFault(fault: TokenFault): Promise<void>;
  /**
   * The audiences of tokens issued from now on, `audience` first (as a Keycloak audience mapper
   * adds one); introspection answers them as an `aud` array when there are several.
   */
  setAudiences(audiences: string[]): Promise<void>;
  /**
   * Rotates a secret client's secret: `secret` is accepted at once, the one it replaces for
   * `graceSeconds` more (default 0), then refused with `invalid_client`. `client.secret` in this
   * handle stays the registered one.
   */
  rotateSecret(client: TestClient, secret: string, graceSeconds?: number): Promise<void>;
  /** Forgets every issued access token, so that introspection calls each inactive. Returns how many. */
  revokeAll(): Promise<number>;
  /**
   * Revokes at the real revocation endpoint. oidc-provider only lets a token's own client revoke
   * it, so without `client` the owner is found by introspection first. JWT-format tokens are not
   * stored by the server and cannot be revoked (the endpoint still answers 200).
   */
  revoke(token: string, client?: TestClient): Promise<void>;
  /** Introspects as the `api` client. */
  introspect(token: string): Promise<IntrospectionResult>;
  /** SIGTERM, then SIGKILL after 5 s. Safe to call more than once. */
  stop(): Promise<void>;
}

const SCRIPT = path.join(__dirname, 'tokenServer.mjs');
const STDERR_KEEP = 16 * 1024;

/** Form-urlencodes one credential as RFC 6749 §2.3.1 requires before it goes into Basic auth. */
export function basicAuthHeader(client: TestClient): string {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
  const pair = `${encode(client.id)}:${encode(client.secret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

const live = new Set<ChildProcess>();
let exitGuardInstalled = false;

// A test run that dies without calling stop() must not leave servers behind.
function installExitGuard(): void {
  if (exitGuardInstalled) return;
  exitGuardInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => child.once('exit', () => resolve()));
}

// The READY wait must keep the event loop alive; afterwards the child must not, so a forgotten
// handle cannot stop jest from exiting (the exit guard then kills it).
function setRef(child: ChildProcess, ref: boolean): void {
  const handles = [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>;
  for (const handle of handles) {
    if (ref) handle?.ref?.();
    else handle?.unref?.();
  }
}

export async function startTokenServer(options: StartTokenServerOptions = {}): Promise<TokenServerHandle> {
  const args = [SCRIPT, '--exit-with-parent'];
  if (options.ttlSeconds !== undefined) args.push('--ttl', String(options.ttlSeconds));
  if (options.format !== undefined) args.push('--format', options.format);
  if (options.realm !== undefined) args.push('--realm', options.realm);
  if (options.keyClients !== undefined) args.push('--key-clients', JSON.stringify(options.keyClients));

  const env = { ...process.env };
  delete env.DEBUG;
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  installExitGuard();
  live.add(child);
  child.once('exit', () => live.delete(child));

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });

  const info = await new Promise<TokenServerInfo>((resolve, reject) => {
    let stdout = '';
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`token server did not start: ${reason}\n--- stderr ---\n${stderr || '(empty)'}`));
    };
    const timer = setTimeout(() => fail(`no READY line within ${timeoutMs} ms`), timeoutMs);
    child.on('error', err => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline === -1 || settled) return;
      const line = stdout.slice(0, newline);
      if (!line.startsWith('READY ')) {
        fail(`unexpected stdout line: ${line}`);
        return;
      }
      let parsed: TokenServerInfo;
      try {
        parsed = JSON.parse(line.slice('READY '.length)) as TokenServerInfo;
      } catch (err) {
        fail(`unparseable READY line: ${(err as Error).message}`);
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(parsed);
    });
  });
  setRef(child, false);

  const control = async (route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${info.controlUrl}/${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload: unknown = await response.json();
    if (!response.ok) throw new Error(`control ${route} failed: ${response.status} ${JSON.stringify(payload)}`);
    return payload;
  };

  const knownClients = Object.values(info.clients) as TestClient[];
  const postClientId = info.clients.post.id;

  const introspect = async (token: string): Promise<IntrospectionResult> => {
    const response = await fetch(info.introspectionEndpoint, {
      method: 'POST',
      headers: {
        authorization: basicAuthHeader(info.clients.api),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    if (!response.ok) throw new Error(`introspection failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as IntrospectionResult;
  };

  const revoke = async (token: string, client?: TestClient): Promise<void> => {
    let owner = client;
    if (owner === undefined) {
      const { active, client_id: clientId } = await introspect(token);
      // Nothing stored to revoke: unknown, expired, already revoked, or a JWT.
      if (!active) return;
      owner = knownClients.find(candidate => candidate.id === clientId);
      if (owner === undefined) throw new Error(`token belongs to unknown client ${String(clientId)}`);
    }
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (owner.id === postClientId) {
      form.set('client_id', owner.id);
      form.set('client_secret', owner.secret);
    } else {
      headers.authorization = basicAuthHeader(owner);
    }
    const response = await fetch(info.revocationEndpoint, { method: 'POST', headers, body: form.toString() });
    if (!response.ok) throw new Error(`revocation failed: ${response.status} ${await response.text()}`);
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      setRef(child, true);
      const done = exited(child);
      child.kill('SIGTERM');
      let killTimer: NodeJS.Timeout | undefined;
      const escalate = new Promise<void>(resolve => {
        killTimer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
      });
      await Promise.race([done, escalate]);
      clearTimeout(killTimer);
      await done;
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    })();
    return stopping;
  };

  return {
    ...info,
    pid: child.pid!,
    stats: async () => (await control('stats')) as TokenServerStats,
    reset: async (resetOptions = {}) => {
      await control('reset', resetOptions);
    },
    setFault: async fault => {
      await control('fault', fault);
    },
    setAudiences: async audiences => {
      await control('audiences', { audiences });
    },
    rotateSecret: async (client, secret, graceSeconds) => {
      await control('rotate-secret', { clientId: client.id, secret, graceSeconds });
    },
    revokeAll: async () => ((await control('revoke-all', {})) as { revoked: number }).revoked,
    revoke,
    introspect,
    stop,
  };
}
