import { clientSecretFromOptions } from '../../../lib/protocol/clientAuthentication/secretSource';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const fromOptions = (clientSecret: unknown) =>
  clientSecretFromOptions({
    tokenEndpoint: ENDPOINT,
    clientId: 'boost',
    options: { clientSecret } as { clientSecret: string },
  });

describe('clientSecretFromOptions', () => {
  it('gives a string secret as is, on every attempt', async () => {
    const source = fromOptions('s3cret');
    await expect(source()).resolves.toBe('s3cret');
    await expect(source()).resolves.toBe('s3cret');
  });

  // Things with a length are not text: taking them would fail only at the first token request.
  it.each([
    ['an array of one string', ['s3cret']],
    ['an object with a length', { length: 6 }],
    ['an empty string', ''],
    ['a number', 42],
  ])('refuses %s at once', (_name, value) => {
    expect(() => fromOptions(value)).toThrow(
      new TypeError('clientSecret must be a non-empty string or a function returning one'),
    );
  });
});
