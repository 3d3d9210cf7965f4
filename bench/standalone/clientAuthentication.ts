// `npm run bench:client-auth`: what one token-request attempt spends on client authentication,
// per method (the authenticator's prepare()), and node:crypto signing side by side with jose
// signing the same claims with the same keys, in one process. Standalone: it touches no server.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Jose from 'jose';
import type * as Tinybench from 'tinybench';
import { createClientAuthenticator } from '../../lib/protocol/clientAuthentication/createClientAuthenticator';
import { signJwt, type SigningAlgorithm } from '../../lib/protocol/clientAuthentication/signJwt';

// Both are ESM-only; a real dynamic import (not TypeScript's require) loads them from CommonJS.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the reason is above
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

const ENDPOINT = 'https://keycloak.example.com/realms/kagenti/protocol/openid-connect/token';
const CLIENT_ID = 'boost-backend';

async function main(): Promise<void> {
  const { Bench } = (await importEsm('tinybench')) as typeof Tinybench;
  const jose = (await importEsm('jose')) as typeof Jose;
  const quick = process.argv.includes('--quick');
  const time = quick ? 100 : 400;

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const secret = 'a-client-secret-of-a-realistic-length-0123456789';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-assertion-'));
  const file = path.join(dir, 'token');
  writeFileSync(file, `eyJhbGciOiJSUzI1NiJ9.${'x'.repeat(900)}.${'s'.repeat(342)}`);

  const bench = new Bench({ time, warmupTime: time / 4 });
  const methods: Array<[string, Parameters<typeof createClientAuthenticator>[2]]> = [
    ['client_secret_basic', { clientSecret: secret }],
    ['client_secret_post', { clientSecret: secret, clientAuthentication: 'client_secret_post' }],
    ['client_secret_jwt HS256', { clientSecret: secret, clientAuthentication: 'client_secret_jwt' }],
    ['private_key_jwt RS256', { privateKey: rsa }],
    ['private_key_jwt PS256', { privateKey: rsa, signingAlgorithm: 'PS256' }],
    ['private_key_jwt ES256', { privateKey: ec }],
    ['private_key_jwt EdDSA', { privateKey: ed }],
    ['client_assertion (file read)', { clientAssertionFile: file }],
  ];
  for (const [name, options] of methods) {
    const authenticator = createClientAuthenticator(ENDPOINT, CLIENT_ID, options);
    bench.add(`prepare: ${name}`, async () => {
      await authenticator.prepare({ now: Date.now() });
    });
  }

  const claims = () => {
    const iat = Math.floor(Date.now() / 1000);
    return {
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: 'https://keycloak.example.com/realms/kagenti',
      jti: randomUUID(),
      iat,
      exp: iat + 30,
    };
  };
  const hmac = new TextEncoder().encode(secret);
  const pairs: Array<[SigningAlgorithm, KeyObject, KeyObject | Uint8Array]> = [
    ['RS256', rsa, rsa],
    ['ES256', ec, ec],
    ['EdDSA', ed, ed],
  ];
  for (const [alg, key, joseKey] of pairs) {
    bench.add(`sign ${alg}: node:crypto (this package)`, () => {
      signJwt({ alg }, claims(), key);
    });
    bench.add(`sign ${alg}: jose SignJWT`, async () => {
      await new jose.SignJWT(claims()).setProtectedHeader({ alg, typ: 'JWT' }).sign(joseKey);
    });
  }
  const { createSecretKey } = await import('node:crypto');
  const secretKey = createSecretKey(Buffer.from(secret));
  bench.add('sign HS256: node:crypto (this package)', () => {
    signJwt({ alg: 'HS256' }, claims(), secretKey);
  });
  bench.add('sign HS256: jose SignJWT', async () => {
    await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(hmac);
  });

  console.log(
    `client authentication, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(' ')}`,
  );
  await bench.run();
  rmSync(dir, { recursive: true, force: true });
  const rows = bench.tasks.map(task => {
    const result = task.result as { latency?: { mean?: number; p99?: number; samplesCount?: number } } | undefined;
    const mean = result?.latency?.mean ?? Number.NaN;
    return {
      task: task.name,
      'µs/op (mean)': (mean * 1000).toFixed(1),
      'µs p99': ((result?.latency?.p99 ?? Number.NaN) * 1000).toFixed(1),
      samples: result?.latency?.samplesCount ?? 0,
    };
  });
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
