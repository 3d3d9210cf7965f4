// Access tokens shaped like Keycloak's (header.payload.signature, base64url JSON), unsigned:
// undici-oidc-interceptor decodes `exp` from the token on every request, and fails on anything
// else; the other contenders treat the token as opaque, as they should.
import { randomBytes } from 'node:crypto';

const HEADER = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');

/** A unique JWT-shaped token that expires `ttlSeconds` from now. */
export function jwtShapedToken(ttlSeconds: number, now = Date.now()): string {
  const payload = { exp: Math.floor(now / 1000) + ttlSeconds, jti: randomBytes(9).toString('base64url') };
  return `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.unsigned`;
}
