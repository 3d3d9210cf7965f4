// Run by withoutOpenTelemetry.test.ts in a child process where @opentelemetry/* cannot be
// resolved: gets tokens and survives a 401 retry through the interceptor, then prints a JSON summary.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { installKeycloakAuth, KeycloakTokenManager } from '../../lib';

async function main(): Promise<void> {
  let issued = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    response.setHeader('Content-Type', 'application/json');
    if (request.method === 'POST' && request.url === '/token') {
      issued++;
      response.end(JSON.stringify({ access_token: `child-token-${issued}`, token_type: 'Bearer', expires_in: 300 }));
      return;
    }
    // The first token is rejected, so the interceptor's retry path runs too.
    const accepted = request.headers.authorization !== undefined && request.headers.authorization !== 'Bearer child-token-1';
    response.statusCode = accepted ? 200 : 401;
    response.end(JSON.stringify({ ok: accepted }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let hidden: boolean;
  try {
    require.resolve('@opentelemetry/api');
    hidden = false;
  } catch {
    hidden = true;
  }
  const manager = new KeycloakTokenManager({ tokenEndpoint: `${base}/token`, clientId: 'child', clientSecret: 'child-secret' });
  const api = axios.create({ baseURL: base });
  installKeycloakAuth(api, manager);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.get('/agents')).status);
    const summary = {
      hidden,
      statuses,
      tokenRequests: issued,
      cachedToken: manager.getCachedToken(),
      openTelemetryLoaded: Object.keys(require.cache).some(path => path.includes('@opentelemetry')),
    };
    process.stdout.write(JSON.stringify(summary));
  } finally {
    manager.close();
    server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
