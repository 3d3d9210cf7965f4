import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../../lib/testing';

const CHILD = path.join(__dirname, 'fixtures', 'shutdownChild.ts');
/** The bound: after backend.stop(), nothing of the package may hold the process longer. */
const EXIT_WITHIN_MS = 1_000;

let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;

beforeAll(async () => {
  keycloak = await startFakeKeycloak();
  keycloak.setFault({ mode: 'hang' });
  kagenti = await startFakeKagentiApi({ tokens: keycloak });
});

afterAll(async () => {
  await kagenti.close();
  await keycloak.close();
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

describe('when the backend stops with a token request in flight to a hung Keycloak', () => {
  it(`lets the process exit within ${EXIT_WITHIN_MS} ms of stop(), answering the waiting request 503`, async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD], {
      env: { ...process.env, TOKEN_ENDPOINT: keycloak.tokenEndpoint, KAGENTI_URL: kagenti.url, NODE_ENV: 'production' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
    // A child that does not end by itself is killed, and the test fails on its output.
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await until(() => keycloak.requests.some(r => r.status === 0), 25_000);
      child.stdin.write('go\n');
      const code = await exited;

      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(/^STATUS 503$/m);
      const elapsed = Number(/^EXITED (\d+(?:\.\d+)?)$/m.exec(stdout)?.[1]);
      process.stdout.write(`shutdown: process exited ${elapsed} ms after backend.stop()\n`);
      expect(elapsed).toBeLessThan(EXIT_WITHIN_MS);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 40_000);
});
