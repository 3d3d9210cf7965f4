import { createHmac, KeyObject, randomBytes } from 'node:crypto';

// Random per process: a digest says whether two credentials are the same, and nothing else,
// even to someone who reads it (it is never logged or stored).
const DIGEST_KEY = randomBytes(32);

/** A keyed digest of a credential (a secret, an assertion, a private key), to tell whether it changed. */
export function credentialDigest(credential: string | KeyObject): string {
  const bytes = credential instanceof KeyObject ? credential.export({ format: 'der', type: 'pkcs8' }) : credential;
  return createHmac('sha256', DIGEST_KEY).update(bytes).digest('base64url');
}
