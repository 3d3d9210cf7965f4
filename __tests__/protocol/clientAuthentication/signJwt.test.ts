import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../../lib';
import { signJwt } from '../../../lib/protocol/clientAuthentication/signJwt';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pairFor: Record<string, { privateKey: KeyObject; publicKey: KeyObject | Uint8Array }> = {
  RS: rsa,
  PS: rsa,
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  EdDSA: generateKeyPairSync('ed25519'),
  HS: {
    privateKey: createSecretKey(Buffer.from('a shared secret, as Keycloak holds it')),
    publicKey: Buffer.from('a shared secret, as Keycloak holds it'),
  },
};
const keysFor = (alg: SigningAlgorithm) => pairFor[alg] ?? pairFor[alg.slice(0, 2)];

describe('signJwt', () => {
  it.each(SIGNING_ALGORITHMS.map(alg => [alg]))('makes a %s JWS that jose verifies, with the claims intact', async alg => {
    const { privateKey, publicKey } = keysFor(alg);
    const claims = { iss: 'boost', sub: 'boost', aud: 'https://kc/realms/r', jti: 'j-1', iat: 1_700_000_000, exp: 1_700_000_030 };
    const jwt = signJwt({ alg, kid: 'k' }, claims, privateKey);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg, kid: 'k', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, publicKey, { algorithms: [alg], currentDate: new Date(1_700_000_010_000) });
    expect(payload).toEqual(claims);
  });

  it('makes a signature that no longer verifies once the claims are changed', async () => {
    const jwt = signJwt({ alg: 'ES256' }, { sub: 'boost', exp: 1_700_000_030 }, pairFor.ES256.privateKey);
    const [header, , signature] = jwt.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 1_700_000_030 })).toString('base64url')}.${signature}`;
    await expect(jwtVerify(forged, pairFor.ES256.publicKey, { currentDate: new Date(1_700_000_000_000) })).rejects.toThrow(
      /signature/,
    );
  });
});
