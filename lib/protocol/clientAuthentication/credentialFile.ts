import { readFile } from 'node:fs/promises';
import type { TokenRequestErrorCode } from '../../errors/TokenRequestError';
import { type SecretSource, unavailable } from './secretSource';

/** What a credential file holds, for its messages. */
export interface CredentialFile {
  /** The option that names the file. */
  option: 'clientSecretFile' | 'clientAssertionFile';
  path: string;
  code: Extract<TokenRequestErrorCode, 'CLIENT_SECRET_UNAVAILABLE' | 'CLIENT_ASSERTION_UNAVAILABLE'>;
  /** What is mounted there, e.g. "the Secret". */
  mounted: string;
  /** Where it comes from, e.g. "the Secret volume". */
  volume: string;
}

/**
 * A credential read from a file on every use, so that a file updated in place (a Kubernetes
 * Secret or projected token volume) is picked up without a restart. Surrounding whitespace (a
 * trailing newline) is dropped; a file that is missing, unreadable or empty is `file.code`,
 * naming the file and never its content.
 */
export function credentialFileSource(tokenEndpoint: string, file: CredentialFile): SecretSource {
  const { option, path, code, mounted, volume } = file;
  return async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // The code is enough to act on, and the same on every platform.
      const reason = (error as { code?: unknown }).code;
      throw unavailable(
        tokenEndpoint,
        code,
        `the ${option} ${path} could not be read (${typeof reason === 'string' ? reason : 'error'}). Check that ${mounted} is mounted there and readable by this process.`,
      );
    }
    const value = text.trim();
    if (!value) throw unavailable(tokenEndpoint, code, `the ${option} ${path} is empty. Check ${volume}.`);
    return value;
  };
}
