/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** Lower-cased, e.g. `bearer`. */
  scheme: string;
  /** Parameter names lower-cased; quoted values unescaped. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;
// A padded token68 ("abc=="), told apart from "name=value" by nothing following the "=".
const PADDED_TOKEN68 = /^[A-Za-z0-9\-._~+/]+=+(?=[ \t]*(,|$))/;

/**
 * Parses a `WWW-Authenticate` header into its challenges. Lenient: unparseable parts are
 * skipped rather than thrown on, since the header comes from a server we do not control.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const read = (pattern: RegExp): string | undefined => {
    const match = pattern.exec(header.slice(i));
    if (!match) return undefined;
    i += match[0].length;
    return match[0];
  };
  const readQuoted = (): string => {
    let value = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  };

  while (i < header.length) {
    skipSpace();
    const scheme = read(TOKEN);
    if (!scheme) {
      // Commas between challenges, and anything else that cannot start one, are stepped over.
      i++;
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    while (i < header.length) {
      skipSpace();
      if (header[i] === ',') {
        i++;
        continue;
      }
      if (read(PADDED_TOKEN68)) continue;
      const start = i;
      const name = read(TOKEN);
      if (!name) {
        if (!read(TOKEN68)) break;
        continue;
      }
      skipSpace();
      if (header[i] !== '=') {
        // A bare token is the scheme of the next challenge.
        i = start;
        break;
      }
      i++;
      skipSpace();
      const value = header[i] === '"' ? readQuoted() : (read(TOKEN) ?? '');
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;
}

/**
 * Whether a 401 with this `WWW-Authenticate` means "your token is no good" (RFC 6750 §3.1),
 * so that a fresh token may help: no challenge, a Bearer challenge without an error, or
 * `error="invalid_token"`. Not for `insufficient_scope`, `invalid_request`, or a
 * challenge for another scheme only: a new token would be refused the same way.
 */
export function isTokenRejection(header: string | undefined): boolean {
  if (header === undefined) return true;
  const challenges = parseWwwAuthenticate(header);
  // An empty or blank header, or one with no challenge in it, counts as no challenge.
  if (challenges.length === 0) return true;
  const bearer = challenges.find(challenge => challenge.scheme === 'bearer');
  if (!bearer) return false;
  const error = bearer.params.error;
  return error === undefined || error === 'invalid_token';
}
