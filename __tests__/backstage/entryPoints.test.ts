import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

// Loads entries in a child whose module resolution refuses the optional peers, as an install
// without them would.
function loadWithout(blocked: RegExp, entries: string[]): string {
  const script = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (${blocked.toString()}.test(request)) throw new Error('not installed: ' + request);
      return resolve.call(this, request, ...rest);
    };
    const loaded = ${JSON.stringify(entries)}.map(entry => Object.keys(require(entry)).length);
    process.stdout.write(loaded.join(','));
  `;
  return execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('entry points', () => {
  it('load the core and the testing entry with no Backstage or OpenTelemetry package installed', () => {
    const counts = loadWithout(/^@(backstage|opentelemetry)\//, ['./lib', './lib/testing'])
      .split(',')
      .map(Number);
    expect(counts.every(count => count > 0)).toBe(true);
  });

  it('load the testing entry with no dependency at all but node built-ins', () => {
    expect(Number(loadWithout(/^(?!node:|\.)/, ['./lib/testing']))).toBeGreaterThan(0);
  });

  it.each(['./lib/backstage', './lib/backstageTesting'])('need the Backstage peers for %s (the checks above can fail)', entry => {
    expect(() => loadWithout(/^@backstage\//, [entry])).toThrow(/not installed: @backstage\//);
  });
});
