// `npm publish` runs scripts/check-publish-metadata.mjs (prepublishOnly): without `repository` and
// `homepage`, the README's relative links are dead on the npm page, so publishing stops.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-publish-metadata.mjs');

let folder: string;
beforeAll(() => (folder = mkdtempSync(path.join(tmpdir(), 'publish-metadata-'))));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function check(pkg: object) {
  const file = path.join(folder, 'package.json');
  writeFileSync(file, JSON.stringify(pkg));
  return spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
}

describe('check-publish-metadata (prepublishOnly)', () => {
  it('is what npm runs before publishing', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepublishOnly).toBe('node scripts/check-publish-metadata.mjs');
  });

  it('stops a package without repository and homepage, naming both and how to set them', () => {
    const result = check({ name: 'x' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('"repository"');
    expect(result.stderr).toContain('"homepage"');
    expect(result.stderr).toContain('npm pkg set');
  });

  it.each([
    ['a repository that is no URL', { repository: 'somewhere', homepage: 'https://example.com/kagenti-auth' }, '"repository"'],
    [
      'a homepage over http',
      { repository: { type: 'git', url: 'git+https://example.com/a.git' }, homepage: 'http://x' },
      '"homepage"',
    ],
  ])('stops %s', (_label, pkg, named) => {
    const result = check(pkg);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(named);
  });

  it('lets a package with both through', () => {
    const pkg = {
      repository: { type: 'git', url: 'git+https://example.com/boost/kagenti-auth.git' },
      homepage: 'https://example.com/boost',
    };
    expect(check(pkg)).toMatchObject({ status: 0, stderr: '' });
  });
});
