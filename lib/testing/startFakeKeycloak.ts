import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listenOnLoopback';
import { readBody } from './readBody';

/** Options of {@link startFakeKeycloak}. */
export interface FakeKeycloakOptions {
  /** The confidential client it accepts. Default `{ clientId: 'backstage', clientSecret: 'fake-secret' }`. */
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of every token, in seconds. Default 300. */
  expiresInSeconds?: number;
  /** Realm in the token path. Default `kagenti`. */
  realm?: string;
  /** The port on 127.0.0.1. Default 0: a free port. */
  port?: number;
}

/** How the token endpoint misbehaves until `setFault({ mode: 'none' })`. */
export type FakeKeycloakFault =
  | { mode: 'none' }
  /** Accepts the connection and never answers. */
  | { mode: 'hang' }
  /** Answers this status; with `error`, an RFC 6749 error body. */
  | { mode: 'status'; status: number; error?: string };

/** One token request as the fake saw it (never the secret). */
export interface FakeTokenRequest {
  clientId?: string;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  grantType?: string;
  scope?: string;
  /** 0 for a request left hanging. */
  status: number;
}

/** A running fake Keycloak token endpoint. */
export interface FakeKeycloak {
  /** `http://127.0.0.1:<port>/realms/<realm>/protocol/openid-connect/token` */
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Every token request, oldest first. */
  readonly requests: readonly FakeTokenRequest[];
  /** Whether this fake issued the token and it has neither expired nor been revoked. */
  isActive(token: string): boolean;
  revoke(token: string): void;
  /** Revokes every token issued so far; tokens issued afterwards are active as usual. */
  revokeAll(): void;
  setFault(fault: FakeKeycloakFault): void;
  /** `boost.kagenti.auth` for app-config pointing at this fake. */
  authConfig(): { tokenEndpoint: string; clientId: string; clientSecret: string };
  /** Stops the server and ends every open connection, hung ones included. */
  close(): Promise<void>;
}

const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '));

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(payload);
}

/** Client id and secret from a `client_secret_basic` header (form-encoded before base64, RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  // Stryker disable next-line StringLiteral: any other text without a Basic scheme matches nothing either
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/**
 * Starts a fake of Keycloak's client-credentials token endpoint on 127.0.0.1 (a free port):
 * it checks the client (basic or post), issues random opaque tokens that expire after
 * `expiresInSeconds`, and can be told to hang or fail. For tests only.
 */
export async function startFakeKeycloak(options: FakeKeycloakOptions = {}): Promise<FakeKeycloak> {
  const clientId = options.clientId ?? 'backstage';
  const clientSecret = options.clientSecret ?? 'fake-secret';
  const expiresIn = options.expiresInSeconds ?? 300;
  const path = `/realms/${options.realm ?? 'kagenti'}/protocol/openid-connect/token`;
  const issued = new Map<string, number>();
  const revoked = new Set<string>();
  const requests: FakeTokenRequest[] = [];
  // Stryker disable next-line ObjectLiteral,StringLiteral: every mode but 'hang' and 'status' answers normally
  let fault: FakeKeycloakFault = { mode: 'none' };

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== path) {
        sendJson(res, 404, { error: 'not_found' });
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      const basic = basicCredentials(req.headers.authorization);
      const record: FakeTokenRequest = {
        authMethod: basic ? 'client_secret_basic' : form.has('client_secret') ? 'client_secret_post' : 'none',
        status: 0,
        // Stryker disable next-line StringLiteral: '' is never reached: the spread is only taken when it is not null
        ...((basic?.id ?? form.get('client_id')) !== null ? { clientId: basic?.id ?? form.get('client_id') ?? '' } : {}),
        // Stryker disable next-line StringLiteral: '' is never reached: the spread is only taken when it is not null
        ...(form.get('grant_type') !== null ? { grantType: form.get('grant_type') ?? '' } : {}),
        // Stryker disable next-line StringLiteral: '' is never reached: the spread is only taken when it is not null
        ...(form.get('scope') !== null ? { scope: form.get('scope') ?? '' } : {}),
      };
      requests.push(record);
      const answer = (status: number, body: unknown) => {
        record.status = status;
        sendJson(res, status, body);
      };
      if (fault.mode === 'hang') return;
      if (fault.mode === 'status') {
        answer(fault.status, fault.error ? { error: fault.error } : { message: 'fault' });
        return;
      }
      const secret = basic?.secret ?? form.get('client_secret');
      if (record.clientId !== clientId || secret !== clientSecret) {
        answer(401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' });
        return;
      }
      if (record.grantType !== 'client_credentials') {
        answer(400, { error: 'unsupported_grant_type' });
        return;
      }
      const token = randomBytes(24).toString('base64url');
      issued.set(token, Date.now() + expiresIn * 1000);
      answer(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: record.scope ?? 'profile' });
    })().catch(() => res.destroy());
  });
  const listening = await listenOnLoopback(server, options.port);
  const tokenEndpoint = `${listening.url}${path}`;

  return {
    tokenEndpoint,
    clientId,
    clientSecret,
    requests,
    isActive: token => !revoked.has(token) && (issued.get(token) ?? 0) > Date.now(),
    revoke: token => {
      revoked.add(token);
    },
    revokeAll: () => {
      // A token this fake no longer knows is inactive: forgetting them all revokes them all.
      issued.clear();
      revoked.clear();
    },
    setFault: next => {
      fault = next;
    },
    authConfig: () => ({ tokenEndpoint, clientId, clientSecret }),
    close: () => listening.close(),
  };
}
