#!/usr/bin/env node
// A real OAuth 2.0 authorization server (oidc-provider) laid out like a Keycloak realm, run as a
// child process by startTokenServer.ts. Only the token-endpoint counting / fault layer, the secret
// rotation layer, the extra audiences and the /__control API are fake; everything else is
// oidc-provider's own protocol handling.
//
// Usage: node test-servers/tokenServer.mjs [--ttl SECONDS] [--format opaque|jwt] [--realm NAME]
//                                           [--port N] [--exit-with-parent] [--verbose]
//                                           [--key-clients JSON]
// --key-clients registers private_key_jwt clients: {"<name>": {"id": "...", "jwks": {"keys": [public JWKs]}}},
// so that tests generate their key pairs at run time and only public keys reach this process.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { format as formatMessage } from 'node:util';

function parseArgs(argv) {
  const options = {
    ttl: 300,
    format: 'opaque',
    realm: 'kagenti',
    port: 0,
    exitWithParent: false,
    verbose: false,
    keyClients: {},
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      i += 1;
      if (i >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[i];
    };
    switch (arg) {
      case '--ttl':
        options.ttl = Number(value());
        break;
      case '--format':
        options.format = value();
        break;
      case '--realm':
        options.realm = value();
        break;
      case '--port':
        options.port = Number(value());
        break;
      case '--exit-with-parent':
        options.exitWithParent = true;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--key-clients':
        options.keyClients = JSON.parse(value());
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!Number.isInteger(options.ttl) || options.ttl < 1) throw new Error('--ttl must be a positive integer');
  if (options.format !== 'opaque' && options.format !== 'jwt') throw new Error('--format must be opaque or jwt');
  if (!/^[A-Za-z0-9._-]+$/.test(options.realm)) throw new Error('--realm must be a plain path segment');
  if (!Number.isInteger(options.port) || options.port < 0) throw new Error('--port must be a port number');
  for (const [name, client] of Object.entries(options.keyClients)) {
    if (typeof client?.id !== 'string' || !Array.isArray(client?.jwks?.keys)) {
      throw new Error(`--key-clients ${name} needs an id and a jwks with keys`);
    }
    if (client.jwks.keys.some(key => key.d !== undefined || key.k !== undefined)) {
      throw new Error(`--key-clients ${name}: only public keys belong here`);
    }
  }
  return options;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`tokenServer: ${err.message}\n`);
  process.exit(2);
}

// The parent reads stdout for exactly one READY line, and oidc-provider prints its development
// notices with console.info (stdout), so every console channel is diverted before it loads.
const toStderr = (...args) => {
  if (options.verbose) process.stderr.write(`${formatMessage(...args)}\n`);
};
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
console.warn = toStderr;
delete process.env.DEBUG;

const { default: Provider, errors } = await import('oidc-provider');

const CLIENTS = {
  basic: { id: 'kagenti-basic', secret: 'basic-secret-123', method: 'client_secret_basic' },
  post: { id: 'kagenti-post', secret: 'post-secret-456', method: 'client_secret_post' },
  // Every character here is significant in either Basic auth (':'), form encoding ('%', '+',
  // '&', '=', ' ') or URLs ('/', '?'), so a client that skips RFC 6749 §2.3.1 encoding fails.
  special: { id: 'kagenti-special', secret: 's3:cr%t+ /=?&x', method: 'client_secret_basic' },
  api: { id: 'kagenti-api', secret: 'api-secret-789', method: 'client_secret_basic' },
  // Registered for client_credentials but refused at issue time, the way Keycloak answers for a
  // client whose service account is disabled.
  unauthorized: { id: 'kagenti-no-service-account', secret: 'no-sa-secret-000', method: 'client_secret_basic' },
  // Keycloak's "Signed JWT with client secret": HS256 over this secret; the secret never travels.
  secretJwt: {
    id: 'kagenti-secret-jwt',
    secret: 'secret-jwt-0123456789abcdef0123456789abcdef0123456789abcdef0123',
    method: 'client_secret_jwt',
  },
};
const RESOURCE = 'urn:kagenti:api';
const AUDIENCE = 'kagenti-api';
const GRANTABLE_SCOPES = ['kagenti', 'kagenti-admin'];
const KNOWN_SCOPES = new Set(['openid', 'offline_access', ...GRANTABLE_SCOPES]);

// Keycloak's audience mappers can give a token several audiences; oidc-provider keeps one `aud`
// per token. The rest ride in a private extra claim and introspection answers them all as `aud`.
const EXTRA_AUDIENCES_CLAIM = 'x_extra_audiences';
let audiences = [AUDIENCE];

// Secret rotation as an operator does it in Keycloak: the new secret works at once, the old one
// for a grace period. oidc-provider's clients are static, so this layer checks the presented
// secret and hands oidc-provider the registered one.
const rotations = new Map();

// ---- storage ---------------------------------------------------------------------------------

const store = new Map();

// oidc-provider's bundled memory adapter announces itself on stdout; this one stays silent and
// lets /__control/reset wipe every issued token at once.
class MemoryAdapter {
  constructor(name) {
    this.name = name;
  }

  key(id) {
    return `${this.name}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    store.set(this.key(id), { payload, expiresAt });
  }

  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode(userCode) {
    for (const [key, entry] of store) {
      if (key.startsWith(`${this.name}:`) && entry.payload.userCode === userCode) return entry.payload;
    }
    return undefined;
  }

  async findByUid(uid) {
    for (const [key, entry] of store) {
      if (key.startsWith(`${this.name}:`) && entry.payload.uid === uid) return entry.payload;
    }
    return undefined;
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const [key, entry] of store) {
      if (entry.payload.grantId === grantId) store.delete(key);
    }
  }
}

// ---- stats and faults ------------------------------------------------------------------------

const LOG_LIMIT = 1000;
let stats;
function emptyStats() {
  return {
    tokenRequests: { total: 0, byClient: {}, log: [] },
    issued: 0,
    introspectionRequests: 0,
    revocationRequests: 0,
  };
}
stats = emptyStats();

const FAULT_MODES = new Set(['none', 'hang', 'status', 'html', 'slow', 'close-mid-body', 'fail-then-recover']);
let fault = { mode: 'none' };
let faultRemaining = Infinity;

function setFault(input) {
  if (!input || typeof input !== 'object' || !FAULT_MODES.has(input.mode)) {
    throw new Error(`mode must be one of ${[...FAULT_MODES].join(', ')}`);
  }
  for (const field of ['status', 'delayMs', 'times', 'retryAfter']) {
    if (input[field] !== undefined && (!Number.isInteger(input[field]) || input[field] < 0)) {
      throw new Error(`${field} must be a non-negative integer`);
    }
  }
  if (input.mode === 'status' && (input.status === undefined || input.status < 100 || input.status > 599)) {
    throw new Error('mode "status" needs status 100..599');
  }
  fault = { ...input };
  const defaultTimes = input.mode === 'fail-then-recover' ? 1 : Infinity;
  faultRemaining = input.times ?? defaultTimes;
}

// Taking a fault consumes one of its `times`, so a bounded fault heals itself afterwards.
function takeFault() {
  if (fault.mode === 'none' || faultRemaining <= 0) return undefined;
  faultRemaining -= 1;
  const taken = fault;
  if (faultRemaining <= 0) fault = { mode: 'none' };
  return taken;
}

function defaultErrorFor(status) {
  if (status === 401) return 'invalid_client';
  if (status === 403) return 'unauthorized_client';
  if (status === 429 || status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

function setAudiences(input) {
  if (!Array.isArray(input) || input.length === 0 || input.some(value => typeof value !== 'string' || value === '')) {
    throw new Error('audiences must be a non-empty array of non-empty strings');
  }
  if (input[0] !== AUDIENCE) throw new Error(`the first audience must stay ${AUDIENCE}`);
  audiences = [...new Set(input)];
}

function rotateSecret(input) {
  const client = Object.values(CLIENTS).find(candidate => candidate.id === input.clientId);
  if (!client || (client.method !== 'client_secret_basic' && client.method !== 'client_secret_post')) {
    throw new Error('clientId must name a client_secret_basic or client_secret_post client');
  }
  if (typeof input.secret !== 'string' || input.secret === '') throw new Error('secret must be a non-empty string');
  const graceSeconds = input.graceSeconds ?? 0;
  if (typeof graceSeconds !== 'number' || !(graceSeconds >= 0)) throw new Error('graceSeconds must be a number >= 0');
  const current = rotations.get(client.id)?.current ?? client.secret;
  rotations.set(client.id, { current: input.secret, previous: current, previousUntil: Date.now() + graceSeconds * 1000 });
}

// Deletes every stored access token, as a realm admin's "revoke all" would: introspection then
// calls each of them inactive. Returns how many there were.
function revokeAll() {
  let revoked = 0;
  for (const key of [...store.keys()]) {
    if (key.startsWith('ClientCredentials:') || key.startsWith('AccessToken:')) {
      store.delete(key);
      revoked += 1;
    }
  }
  return revoked;
}

// ---- request helpers -------------------------------------------------------------------------

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function formDecode(value) {
  return decodeURIComponent(value.replace(/\+/g, '%20'));
}

// Mirrors how the provider itself will identify the caller, so failed requests are attributed too.
function describeTokenRequest(headers, body) {
  const form = new URLSearchParams(body);
  const auth = headers.authorization;
  let clientId = form.get('client_id') ?? '(none)';
  let authMethod = form.has('client_secret') ? 'client_secret_post' : 'none';
  let assertion;
  if (form.has('client_assertion')) {
    authMethod = 'client_assertion';
    try {
      const [header, payload] = form
        .get('client_assertion')
        .split('.')
        .slice(0, 2)
        .map(part => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
      if (clientId === '(none)' && typeof payload.sub === 'string') clientId = payload.sub;
      assertion = { alg: header.alg, kid: header.kid, jti: payload.jti, iat: payload.iat, exp: payload.exp, aud: payload.aud };
    } catch {
      assertion = { malformed: true };
    }
  }
  if (auth !== undefined) {
    authMethod = 'other';
    const [scheme, value] = auth.split(' ');
    if (scheme?.toLowerCase() === 'basic' && value) {
      authMethod = 'client_secret_basic';
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const rawId = colon === -1 ? decoded : decoded.slice(0, colon);
      try {
        clientId = formDecode(rawId);
      } catch {
        clientId = rawId;
      }
    }
  }
  return {
    clientId,
    authMethod,
    grantType: form.get('grant_type') ?? undefined,
    scope: form.get('scope') ?? undefined,
    ...(assertion ? { assertion } : {}),
  };
}

function recordTokenRequest(entry) {
  stats.tokenRequests.total += 1;
  const { byClient } = stats.tokenRequests;
  byClient[entry.clientId] = (byClient[entry.clientId] ?? 0) + 1;
  stats.tokenRequests.log.push(entry);
  if (stats.tokenRequests.log.length > LOG_LIMIT) stats.tokenRequests.log.shift();
}

function sendJson(ctx, status, body, headers = {}) {
  ctx.status = status;
  for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
  ctx.body = body;
}

function basicCredentials(header) {
  const [scheme, value] = (header ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function formEncode(value) {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

// For a client whose secret was rotated: true when the presented secret is accepted (the request
// then carries the registered secret on to oidc-provider), false when it is refused.
function acceptRotatedSecret(ctx, clientId, body) {
  const rotation = rotations.get(clientId);
  if (!rotation) return { ok: true, body };
  const registered = Object.values(CLIENTS).find(candidate => candidate.id === clientId).secret;
  const accepts = presented =>
    presented === rotation.current || (presented === rotation.previous && Date.now() < rotation.previousUntil);
  const basic = basicCredentials(ctx.headers.authorization);
  if (basic) {
    if (!accepts(basic.secret)) return { ok: false };
    ctx.req.headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(registered)}`).toString('base64')}`;
    return { ok: true, body };
  }
  const form = new URLSearchParams(body);
  if (!form.has('client_secret') || !accepts(form.get('client_secret'))) return { ok: false };
  form.set('client_secret', registered);
  return { ok: true, body: form.toString() };
}

// ---- server ----------------------------------------------------------------------------------

const delayTimers = new Set();
function delay(ms) {
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      delayTimers.delete(timer);
      resolve();
    }, ms);
    delayTimers.add(timer);
  });
}

let handler = (req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = createServer((req, res) => handler(req, res));
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(options.port, '127.0.0.1', resolve);
});
const { port } = server.address();
const origin = `http://127.0.0.1:${port}`;
const realmPath = `/realms/${options.realm}`;
const oidcPath = `${realmPath}/protocol/openid-connect`;
const issuer = `${origin}${realmPath}`;
const tokenPath = `${oidcPath}/token`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `${options.realm}-rs256`,
  alg: 'RS256',
  use: 'sig',
};

const clientMetadata = [
  ...Object.values(CLIENTS).map(client => ({
    client_id: client.id,
    client_secret: client.secret,
    token_endpoint_auth_method: client.method,
  })),
  ...Object.values(options.keyClients).map(client => ({
    client_id: client.id,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: client.jwks,
  })),
].map(client => ({ ...client, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'kagenti' }));

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients: clientMetadata,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: [...KNOWN_SCOPES],
  clockTolerance: 0,
  routes: {
    authorization: `${oidcPath}/auth`,
    token: tokenPath,
    introspection: `${tokenPath}/introspect`,
    revocation: `${oidcPath}/revoke`,
    jwks: `${oidcPath}/certs`,
    userinfo: `${oidcPath}/userinfo`,
    end_session: `${oidcPath}/logout`,
  },
  ttl: {
    ClientCredentials: () => options.ttl,
    AccessToken: () => options.ttl,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
  },
  extraTokenClaims: async () => (audiences.length > 1 ? { [EXTRA_AUDIENCES_CLAIM]: audiences.slice(1) } : undefined),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // Like a Keycloak realm: the resource server's own client, or the token's owner, may look.
      allowedPolicy: async (ctx, caller, token) => caller.clientId === CLIENTS.api.id || caller.clientId === token.clientId,
    },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Always resolving a resource makes every client_credentials request reach
      // getResourceServerInfo, which is what turns on JWT format without a `resource` param.
      defaultResource: async () => RESOURCE,
      getResourceServerInfo: async (ctx, resourceIndicator, client) => {
        if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
        // oidc-provider silently drops scopes it does not know; Keycloak refuses them.
        const requested = (ctx.oidc.params.scope ?? '').split(' ').filter(Boolean);
        const unknown = requested.find(scope => !KNOWN_SCOPES.has(scope));
        if (unknown !== undefined) throw new errors.InvalidScope('requested scope is not recognised', unknown);
        if (client.clientId === CLIENTS.unauthorized.id) {
          throw new errors.UnauthorizedClient('client not enabled to retrieve service account');
        }
        return {
          scope: GRANTABLE_SCOPES.join(' '),
          audience: AUDIENCE,
          accessTokenTTL: options.ttl,
          accessTokenFormat: options.format,
          ...(options.format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
        };
      },
    },
  },
});

provider.on('client_credentials.saved', () => {
  stats.issued += 1;
});
// JWT access tokens are never stored, so they surface as "issued" instead of "saved".
provider.on('client_credentials.issued', () => {
  stats.issued += 1;
});

async function handleControl(ctx) {
  const route = `${ctx.method} ${ctx.path}`;
  let input = {};
  if (ctx.method === 'POST') {
    const raw = await readBody(ctx.req);
    try {
      input = raw ? JSON.parse(raw) : {};
    } catch {
      sendJson(ctx, 400, { error: 'body must be JSON' });
      return;
    }
  }
  switch (route) {
    case 'GET /__control/stats':
      sendJson(ctx, 200, stats);
      return;
    case 'POST /__control/reset':
      stats = emptyStats();
      setFault({ mode: 'none' });
      audiences = [AUDIENCE];
      rotations.clear();
      if (input.tokens === true) store.clear();
      sendJson(ctx, 200, { ok: true });
      return;
    case 'POST /__control/audiences':
    case 'POST /__control/rotate-secret':
      try {
        if (route.endsWith('audiences')) setAudiences(input.audiences);
        else rotateSecret(input);
      } catch (err) {
        sendJson(ctx, 400, { error: err.message });
        return;
      }
      sendJson(ctx, 200, { ok: true });
      return;
    case 'POST /__control/revoke-all':
      sendJson(ctx, 200, { revoked: revokeAll() });
      return;
    case 'GET /__control/fault':
      sendJson(ctx, 200, { ...fault, remaining: Number.isFinite(faultRemaining) ? faultRemaining : null });
      return;
    case 'POST /__control/fault':
      try {
        setFault(input);
      } catch (err) {
        sendJson(ctx, 400, { error: err.message });
        return;
      }
      sendJson(ctx, 200, { ok: true });
      return;
    default:
      sendJson(ctx, 404, { error: `no control route ${route}` });
  }
}

// Modes that misbehave at the socket level write to it directly and switch koa's own answer off.
function answerWithFault(ctx, active, entry) {
  const { res } = ctx;
  switch (active.mode) {
    case 'hang':
      ctx.respond = false;
      entry.status = 0;
      return;
    case 'html':
      entry.status = 200;
      ctx.status = 200;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body =
        '<!DOCTYPE html><html><head><title>Sign in</title></head>' +
        '<body><form method="post" action="/login"><input name="username"></form></body></html>';
      return;
    case 'close-mid-body': {
      ctx.respond = false;
      entry.status = 200;
      const full = JSON.stringify({
        access_token: randomBytes(24).toString('base64url'),
        expires_in: options.ttl,
        token_type: 'Bearer',
      });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(full),
        'cache-control': 'no-store',
      });
      res.write(full.slice(0, Math.floor(full.length / 2)), () => res.destroy());
      return;
    }
    case 'status':
    case 'fail-then-recover': {
      const status = active.status ?? (active.mode === 'status' ? 503 : 500);
      const headers = { 'cache-control': 'no-store' };
      if (active.retryAfter !== undefined) headers['retry-after'] = String(active.retryAfter);
      if (status === 401) headers['www-authenticate'] = `Basic realm="${issuer}", error="invalid_client"`;
      entry.status = status;
      sendJson(
        ctx,
        status,
        {
          error: active.error ?? defaultErrorFor(status),
          error_description: active.errorDescription ?? `injected ${active.mode} fault`,
        },
        headers,
      );
      return;
    }
    default:
      throw new Error(`unhandled fault ${active.mode}`);
  }
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/__control/')) {
    await handleControl(ctx);
    return;
  }
  // Keycloak publishes discovery under the realm; oidc-provider only at the host root.
  if (ctx.path === `${realmPath}/.well-known/openid-configuration`) {
    ctx.path = '/.well-known/openid-configuration';
  }
  if (ctx.path === `${tokenPath}/introspect` && ctx.method === 'POST') {
    stats.introspectionRequests += 1;
    await next();
    const answer = ctx.body;
    if (answer && typeof answer === 'object' && Array.isArray(answer[EXTRA_AUDIENCES_CLAIM])) {
      answer.aud = [answer.aud, ...answer[EXTRA_AUDIENCES_CLAIM]];
      delete answer[EXTRA_AUDIENCES_CLAIM];
    }
    return;
  }
  if (ctx.path === `${oidcPath}/revoke` && ctx.method === 'POST') stats.revocationRequests += 1;
  if (ctx.path !== tokenPath || ctx.method !== 'POST') {
    await next();
    return;
  }

  const body = await readBody(ctx.req);
  const entry = { ...describeTokenRequest(ctx.headers, body), status: 0, at: Date.now() };
  recordTokenRequest(entry);

  const active = takeFault();
  if (active) entry.fault = active.mode;
  if (active && active.mode !== 'slow') {
    answerWithFault(ctx, active, entry);
    return;
  }
  const secret = acceptRotatedSecret(ctx, entry.clientId, body);
  if (!secret.ok) {
    entry.status = 401;
    entry.secretRefused = true;
    sendJson(
      ctx,
      401,
      { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' },
      { 'cache-control': 'no-store', 'www-authenticate': `Basic realm="${issuer}", error="invalid_client"` },
    );
    return;
  }
  // The provider accepts an already-read body from req.body once the stream is drained.
  ctx.req.body = secret.body;
  if (active?.mode === 'slow') await delay(active.delayMs ?? 1000);
  await next();
  entry.status = ctx.status;
});

handler = provider.callback();

// ---- lifecycle -------------------------------------------------------------------------------

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  for (const timer of delayTimers) clearTimeout(timer);
  const forced = setTimeout(() => process.exit(0), 2000);
  forced.unref();
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (options.exitWithParent) {
  // stdin is a pipe from the parent; it closes however the parent dies, even on SIGKILL.
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}
process.on('uncaughtException', err => {
  process.stderr.write(`tokenServer: uncaught ${err.stack ?? err}\n`);
  process.exit(1);
});

const clientsOut = Object.fromEntries(
  Object.entries(CLIENTS).map(([name, client]) => [name, { id: client.id, secret: client.secret }]),
);
const keyClientsOut = Object.fromEntries(Object.entries(options.keyClients).map(([name, client]) => [name, { id: client.id }]));
const ready = {
  issuer,
  port,
  realm: options.realm,
  format: options.format,
  ttlSeconds: options.ttl,
  tokenEndpoint: `${origin}${tokenPath}`,
  introspectionEndpoint: `${origin}${tokenPath}/introspect`,
  revocationEndpoint: `${origin}${oidcPath}/revoke`,
  jwksUri: `${origin}${oidcPath}/certs`,
  discoveryUrl: `${issuer}/.well-known/openid-configuration`,
  controlUrl: `${origin}/__control`,
  resource: RESOURCE,
  audience: AUDIENCE,
  clients: clientsOut,
  keyClients: keyClientsOut,
};
process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
