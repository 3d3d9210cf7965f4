import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { TokenRequestError } from '../../../lib';
import type { ClientAuthenticationOptions } from '../../../lib/protocol/clientAuthentication/ClientAuthenticationOptions';
import { createClientAuthenticator } from '../../../lib/protocol/clientAuthentication/createClientAuthenticator';
import { rejection } from '../../helpers/assertions';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const basic = (secret: string) => `Basic ${Buffer.from(`boost:${secret}`).toString('base64')}`;

describe('clientSecretFile', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kagenti-secret-'));
    file = join(dir, 'client-secret');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const create = (options: ClientAuthenticationOptions) => createClientAuthenticator(ENDPOINT, 'boost', options);

  it('is read on every attempt, so a secret rotated in place is used at once, with surrounding whitespace dropped', async () => {
    const authenticator = create({ clientSecretFile: file });
    expect(authenticator.method).toBe('client_secret_basic');
    writeFileSync(file, '  first-secret\n');
    expect((await authenticator.prepare({ now: 0 })).headers.Authorization).toBe(basic('first-secret'));
    writeFileSync(file, 'rotated-secret\n');
    expect((await authenticator.prepare({ now: 0 })).headers.Authorization).toBe(basic('rotated-secret'));
  });

  it('serves client_secret_post and client_secret_jwt alike', async () => {
    writeFileSync(file, 'file-secret\n');
    const post = await create({ clientAuthentication: 'client_secret_post', clientSecretFile: file }).prepare({ now: 0 });
    expect(post.form.client_secret).toBe('file-secret');
    expect(post.secrets).toContain('file-secret');
    const jwt = await create({ clientAuthentication: 'client_secret_jwt', clientSecretFile: file }).prepare({ now: 0 });
    expect(jwt.form.client_assertion.split('.')).toHaveLength(3);
    expect(jwt.secrets).toContain('file-secret');
  });

  it('names a missing file and its error code, as CLIENT_SECRET_UNAVAILABLE, not sent', async () => {
    const error = await rejection<TokenRequestError>(create({ clientSecretFile: file }).prepare({ now: 0 }));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.code).toBe('CLIENT_SECRET_UNAVAILABLE');
    expect(error.sent).toBe(false);
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} not sent: the clientSecretFile ${file} could not be read (ENOENT). Check that the Secret is mounted there and readable by this process.`,
    );
  });

  it.each([
    ['empty', ''],
    ['only whitespace', ' \n\t\n'],
  ])('names a file that is %s', async (_name, content) => {
    writeFileSync(file, content);
    const error = await rejection<TokenRequestError>(create({ clientSecretFile: file }).prepare({ now: 0 }));
    expect(error.code).toBe('CLIENT_SECRET_UNAVAILABLE');
    expect(error.message).toBe(
      `Token request to ${ENDPOINT} not sent: the clientSecretFile ${file} is empty. Check the Secret volume.`,
    );
  });

  it('names a directory that is no file, and never quotes what it read', async () => {
    const error = await rejection<TokenRequestError>(create({ clientSecretFile: dir }).prepare({ now: 0 }));
    expect(error.message).toContain(`the clientSecretFile ${dir} could not be read (EISDIR)`);
    writeFileSync(file, 'the-real-secret');
    const authenticator = create({ clientSecretFile: file });
    await authenticator.prepare({ now: 0 });
    rmSync(file);
    const later = await rejection<TokenRequestError>(authenticator.prepare({ now: 0 }));
    expect(`${inspect(later)} ${JSON.stringify(later)}`).not.toContain('the-real-secret');
  });

  it('refuses an empty or non-string path at once', () => {
    expect(() => create({ clientSecretFile: '' })).toThrow(new TypeError('clientSecretFile must be a non-empty path'));
    expect(() => create({ clientSecretFile: 7 as unknown as string })).toThrow(
      new TypeError('clientSecretFile must be a non-empty path'),
    );
  });

  it('counts as the one credential: not beside clientSecret, and not for the methods that sign with a key', () => {
    expect(() => create({ clientSecret: 's', clientSecretFile: file })).toThrow(TypeError);
    expect(() => create({ clientSecret: 's', clientSecretFile: file })).toThrow(/clientSecret/);
    expect(() => create({ clientAuthentication: 'private_key_jwt', clientSecretFile: file })).toThrow(
      new TypeError('private_key_jwt uses privateKey, so clientSecretFile must not be set as well'),
    );
  });
});
