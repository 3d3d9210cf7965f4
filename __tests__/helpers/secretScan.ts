import { inspect } from 'node:util';

/** Every way an error tends to get logged, concatenated. */
export function serializeEveryWay(error: unknown): string {
  const parts: string[] = [];
  parts.push(String(error));
  if (error instanceof Error) {
    parts.push(error.message, error.stack ?? '');
    let cause: unknown = error.cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      parts.push(inspect(cause, { depth: 10 }), cause instanceof Error ? cause.toString() : inspect(cause));
      try {
        parts.push(JSON.stringify(cause) ?? '');
      } catch {
        // a cyclic cause is not a leak
      }
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  try {
    parts.push(JSON.stringify(error) ?? '');
  } catch (e) {
    parts.push(`(JSON.stringify threw ${String(e)})`);
  }
  parts.push(inspect(error, { depth: 10 }));
  parts.push(inspect(error, { depth: 10, showHidden: false, getters: true }));
  return parts.join('\n');
}

/** application/x-www-form-urlencoded encoding of one value. */
export const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);

/** The forms a secret can take on the wire: raw, form-encoded, URI-encoded, Basic credentials, Basic header. */
export function secretForms(clientId: string, secret: string): string[] {
  const form = formEncode;
  const basic = Buffer.from(`${form(clientId)}:${form(secret)}`).toString('base64');
  return [secret, form(secret), encodeURIComponent(secret), basic, `Basic ${basic}`];
}

/** Returns the first forbidden string found in the text, or undefined. */
export function findLeak(text: string, forbidden: readonly string[]): string | undefined {
  return forbidden.find(value => value.length > 0 && text.includes(value));
}

/** The members of a JWK that are private (RFC 7518 §6.3.2, §6.4.1). */
export const JWK_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

/** Every private member value of a JWK. */
export function jwkPrivateValues(jwk: Record<string, unknown>): string[] {
  return JWK_PRIVATE_MEMBERS.map(member => jwk[member]).filter((value): value is string => typeof value === 'string');
}

/** A PEM as a whole, its base64 body, and each body line longer than a few characters. */
export function pemForms(pem: string): string[] {
  const lines = pem
    .trim()
    .split('\n')
    .filter(line => !line.startsWith('-----'));
  return [pem.trim(), lines.join(''), lines.join('\n'), ...lines.filter(line => line.length >= 16)];
}

/** A JWT and each of its three parts (a server may echo only one). */
export function jwtForms(jwt: string): string[] {
  return [jwt, ...jwt.split('.').filter(part => part.length >= 8)];
}
