import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');

describe('without @opentelemetry/api', () => {
  it('loads, fetches and caches tokens and retries a 401, with nothing of OpenTelemetry loaded', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        path.join(__dirname, '../helpers/hideOpenTelemetry.ts'),
        path.join(__dirname, '../helpers/withoutOpenTelemetryChild.ts'),
      ],
      { cwd: ROOT, timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      hidden: true,
      statuses: [200, 200, 200],
      tokenRequests: 2,
      cachedToken: 'child-token-2',
      openTelemetryLoaded: false,
    });
  }, 60_000);
});
