// `npm run bench:fetch`: the native-fetch path side by side, in one process, on one transport
// (undici 7's fetch for every contender, so that only the auth layer differs), against loopback
// servers started here: a token endpoint that issues JWT-shaped tokens after 20 ms, and an API
// that accepts only the tokens it has not revoked.
//
// Contenders: a fetch wrapper that only sets a fixed header (the floor), createAuthorizedFetch,
// and undici-oidc-interceptor wired as its README shows. Measures: token requests and failed
// requests for a cold burst, a 401 storm and late 401s; time per cached request ÷ the floor.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { createOidcInterceptor } from 'undici-oidc-interceptor';
import { createAuthorizedFetch, KeycloakTokenManager } from '../../lib';
import { forceGc, median, rotate, sleep } from '../lib/stats';

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret';
const FIXED = 'fixed-floor-token';
type Fetcher = (path: string) => Promise<Response>;
interface Contender {
  name: string;
  fetch: Fetcher;
  close(): Promise<void> | void;
}

/** Token endpoint: JWT-shaped tokens (the interceptor decodes `exp`), 300 s, after `delayMs`. */
function tokenServer(delayMs: number) {
  let issued = 0;
  const all: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      issued++;
      const exp = Math.floor(Date.now() / 1000) + 300;
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: CLIENT_ID, exp, n: all.length })}.sig`;
      all.push(token);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300 }));
      }, delayMs);
    });
  });
  return { server, all, count: () => issued, reset: () => (issued = 0) };
}

/** API: 200 for a token it accepts; 401 (after `late401Ms()`) for a revoked or unknown one. */
function apiServer() {
  const revoked = new Set<string>();
  let late401Ms = () => 0;
  const server = createServer((req, res) => {
    req.resume();
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    const ok = token !== '' && !revoked.has(token);
    const answer = () => {
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"ok":true}' : '{"detail":"token validation failed"}');
    };
    if (ok) answer();
    else setTimeout(answer, late401Ms());
  });
  return {
    server,
    revoke: (token: string) => revoked.add(token),
    setLate401: (fn: () => number) => (late401Ms = fn),
    revoked,
  };
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function contenders(apiUrl: string, tokenUrl: string): Contender[] {
  // One connection pool per contender, so that closing one leaves the others working.
  const sender = () => {
    const agent = new Agent({ connections: 64 });
    const send = (url: string, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
    return { agent, send };
  };
  const floor = sender();
  const ourSender = sender();
  const manager = new KeycloakTokenManager({
    tokenEndpoint: tokenUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    retry: false,
  });
  const ours = createAuthorizedFetch(manager, { baseUrl: apiUrl, fetch: ourSender.send as typeof fetch });
  const previousGlobal = getGlobalDispatcher();
  const intercepted = new Agent({ connections: 64 }).compose(
    createOidcInterceptor({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      idpTokenUrl: tokenUrl,
      retryOnStatusCodes: [401],
      urls: [apiUrl],
    }),
  );
  return [
    {
      name: 'fetch, fixed header (floor)',
      fetch: path => floor.send(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${FIXED}` } }),
      close: () => floor.agent.close(),
    },
    {
      name: '@boost/kagenti-auth createAuthorizedFetch',
      fetch: path => ours(path),
      close: () => {
        manager.close();
        return ourSender.agent.close();
      },
    },
    {
      // As its example wires it: the composed agent is the global dispatcher, which its 401
      // retry dispatches through (with a per-request `dispatcher` only, the retry would bypass it).
      name: 'undici-oidc-interceptor',
      fetch: path => {
        if (getGlobalDispatcher() !== intercepted) setGlobalDispatcher(intercepted);
        return undiciFetch(`${apiUrl}${path}`);
      },
      close: () => {
        setGlobalDispatcher(previousGlobal);
        return intercepted.close();
      },
    },
  ];
}

async function drain(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const tokens = tokenServer(20);
  const api = apiServer();
  const [tokenUrl, apiUrl] = [await listen(tokens.server), await listen(api.server)];
  const rows: string[] = [];

  // Token requests and failures: a fresh set of contenders per scenario, so each starts cold.
  for (const scenario of ['cold burst', '401 storm', 'late 401s'] as const) {
    for (const contender of contenders(apiUrl, `${tokenUrl}/token`)) {
      if (contender.name.includes('floor')) {
        await contender.close();
        continue;
      }
      api.setLate401(() => 0);
      if (scenario !== 'cold burst') {
        // Warm: one token in use, then revoked at the API (a revocation, a new agent's audience).
        await drain(await contender.fetch('/warm'));
        for (const token of tokens.all) api.revoke(token);
        // Late: each 401 for the revoked token arrives 0–200 ms later, most after a new token exists.
        if (scenario === 'late 401s') api.setLate401(() => Math.floor(Math.random() * 200));
      }
      tokens.reset();
      const statuses = await Promise.all(Array.from({ length: 200 }, () => contender.fetch('/agents').then(drain, () => 0)));
      const failed = statuses.filter(status => status !== 200).length;
      rows.push(`| ${scenario} (200 requests) | ${contender.name} | ${tokens.count()} | ${failed} |`);
      await contender.close();
    }
  }

  // Time per cached request, interleaved rounds, ratio to the floor.
  api.revoked.clear();
  api.setLate401(() => 0);
  const set = contenders(apiUrl, `${tokenUrl}/token`);
  for (const contender of set) await drain(await contender.fetch('/warm'));
  const perRequest = new Map<string, number[]>(set.map(c => [c.name, []]));
  const rounds = quick ? 3 : 9;
  const requests = quick ? 300 : 2_000;
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(set, round)) {
      forceGc();
      const started = performance.now();
      for (let i = 0; i < requests; i++) await drain(await contender.fetch('/agents'));
      perRequest.get(contender.name)!.push(((performance.now() - started) * 1000) / requests);
    }
  }
  const floor = median(perRequest.get(set[0].name)!);
  const timing = set.map(c => {
    const us = median(perRequest.get(c.name)!);
    return `| ${c.name} | ${us.toFixed(1)} µs | ${(us / floor).toFixed(3)} |`;
  });
  for (const contender of set) await contender.close();
  tokens.server.close();
  api.server.close();
  await sleep(10);

  console.log('| scenario | contender | token requests | failed requests |\n| --- | --- | --: | --: |');
  console.log(rows.join('\n'));
  console.log(`\n| cached request (${rounds} interleaved rounds × ${requests}) | median time | ÷ floor |\n| --- | --: | --: |`);
  console.log(timing.join('\n'));
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
