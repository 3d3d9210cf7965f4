import { defaultAssertionAudience } from '../../../lib/protocol/clientAuthentication/assertionClaims';

const ISSUER = 'https://keycloak.test/realms/kagenti';

describe('defaultAssertionAudience', () => {
  it('is the realm issuer for a Keycloak token endpoint, with or without a trailing slash', () => {
    expect(defaultAssertionAudience(`${ISSUER}/protocol/openid-connect/token`)).toBe(ISSUER);
    expect(defaultAssertionAudience(`${ISSUER}/protocol/openid-connect/token/`)).toBe(ISSUER);
  });

  // A value pasted from a document or read from an environment file can carry white space that
  // the URL parser does not drop (a no-break space, a byte order mark); the endpoint check trims it.
  it.each([
    ['a no-break space on both ends', `\u00a0${ISSUER}/protocol/openid-connect/token\u00a0`],
    ['a byte order mark in front', `\ufeff${ISSUER}/protocol/openid-connect/token`],
    ['an em space at the end', `${ISSUER}/protocol/openid-connect/token\u2003`],
  ])('reads an endpoint with %s as the same realm issuer', (_name, tokenEndpoint) => {
    expect(defaultAssertionAudience(tokenEndpoint)).toBe(ISSUER);
  });
});
