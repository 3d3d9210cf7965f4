import { ConfigurationError, readKeycloakAuthConfig, type ConfigLike } from '../../lib';
import { readError } from '../helpers/configSources';

// Written to kill mutants that survived the first mutation run (see TESTING.md): the messages
// and key lists a user reads, and a minimal Config that has no getOptional().
const ENDPOINT = 'https://keycloak.example.com/realms/kagenti/protocol/openid-connect/token';
const root = (auth: unknown) => ({ boost: { kagenti: { auth } } });

/** A Config with only the four methods the reader may use, over a flat `auth` object. */
function minimalConfig(auth: Record<string, unknown> | undefined): ConfigLike {
  const typed =
    <T>(type: string) =>
    (key: string): T | undefined => {
      const value = auth?.[key];
      if (value !== undefined && typeof value !== type) throw new Error(`wrong type at ${key}: ${JSON.stringify(value)}`);
      return value as T | undefined;
    };
  const node = { getOptionalString: typed<string>('string'), getOptionalNumber: typed<number>('number') } as ConfigLike;
  return {
    getOptionalConfig: (path: string) => (path === 'boost.kagenti.auth' && auth ? node : undefined),
    getOptionalString: () => undefined,
  } as unknown as ConfigLike;
}

describe('readKeycloakAuthConfig: what each wrong type is told', () => {
  it.each([
    ['clientId', { tokenEndpoint: ENDPOINT, clientId: 7, clientSecret: 's' }, 'clientId must be a string'],
    ['clientSecret', { tokenEndpoint: ENDPOINT, clientId: 'c', clientSecret: '  ' }, 'clientSecret must not be empty'],
    [
      'tokenExpiryBufferSeconds',
      { ...{ tokenEndpoint: ENDPOINT, clientId: 'c', clientSecret: 's' }, tokenExpiryBufferSeconds: '1.5' },
      'whole number',
    ],
    [
      'tokenExpiryBufferSeconds',
      { ...{ tokenEndpoint: ENDPOINT, clientId: 'c', clientSecret: 's' }, tokenExpiryBufferSeconds: -1 },
      '0 or more',
    ],
  ])('names %s and says what is wrong', (key, auth, words) => {
    const error = readError(root(auth));
    expect(error.message).toContain(`boost.kagenti.auth.${key}`);
    expect(error.message).toContain(words);
    expect(error.keys).toEqual([key]);
  });

  it('names the missing keys and the present ones when only some are set', () => {
    const error = readError(root({ tokenEndpoint: ENDPOINT }));
    expect(error.message).toContain('clientId is missing (set tokenEndpoint but not clientId and clientSecret');
    expect([...error.keys].sort()).toEqual(['clientId', 'clientSecret']);
  });

  it('says the section must be an object', () => {
    expect(readError({ boost: { kagenti: 'auth' } }).message).toContain('boost.kagenti.auth must be an object');
    expect(readError(root([])).message).toContain('boost.kagenti.auth must be an object');
  });

  it('reads a minimal Config without getOptional key by key', () => {
    expect(readKeycloakAuthConfig(minimalConfig(undefined))).toBeUndefined();
    expect(
      readKeycloakAuthConfig(
        minimalConfig({ tokenEndpoint: ` ${ENDPOINT} `, clientId: 'c', clientSecret: 's', tokenExpiryBufferSeconds: 5 }),
      ),
    ).toEqual({ tokenEndpoint: ENDPOINT, clientId: 'c', clientSecret: 's', tokenExpiryBufferSeconds: 5 });
  });

  it('turns a minimal Config type error into one naming the key, without its value', () => {
    const error = readError(minimalConfig({ tokenEndpoint: ENDPOINT, clientId: 'c', clientSecret: 404 }));
    expect(error.message).toBe('boost.kagenti.auth.clientSecret has the wrong type');
    expect(error.keys).toEqual(['clientSecret']);
  });

  it('a ConfigurationError made without keys lists none', () => {
    expect(new ConfigurationError('boost.kagenti.auth is wrong').keys).toEqual([]);
  });

  it.each(['1.5', 'x5', '5x'])('refuses the buffer %j as not a string of digits, before any number check', buffer => {
    const error = readError(
      root({ tokenEndpoint: ENDPOINT, clientId: 'c', clientSecret: 's', tokenExpiryBufferSeconds: buffer }),
    );
    expect(error.message).toContain('tokenExpiryBufferSeconds must be a whole number of seconds');
    expect(error.message).not.toContain('0 or more');
  });
});
