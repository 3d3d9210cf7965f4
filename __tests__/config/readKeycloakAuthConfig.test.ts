import { ConfigurationError, kagentiAuthConfigSchema, readKeycloakAuthConfig } from '../../lib';
import { configSources, readError } from '../helpers/configSources';

const ENDPOINT = 'https://keycloak.example.com/realms/kagenti/protocol/openid-connect/token';
const SECRET = 'do-not-print-me-42';
const FULL = { tokenEndpoint: ENDPOINT, clientId: 'boost', clientSecret: SECRET };

const root = (auth: unknown) => ({ boost: { kagenti: { auth } } });

const sources = configSources;

describe.each(sources)('readKeycloakAuthConfig with %s', (_label, source) => {
  it('returns undefined when boost.kagenti.auth is absent', () => {
    expect(readKeycloakAuthConfig(source({}))).toBeUndefined();
    expect(readKeycloakAuthConfig(source({ boost: { kagenti: {} } }))).toBeUndefined();
  });

  it('returns undefined when none of the three core keys is set, even with a buffer', () => {
    expect(readKeycloakAuthConfig(source(root({ tokenExpiryBufferSeconds: 30 })))).toBeUndefined();
  });

  it('returns all settings with the 60 s default buffer applied', () => {
    expect(readKeycloakAuthConfig(source(root(FULL)))).toEqual({ ...FULL, tokenExpiryBufferSeconds: 60 });
  });

  it('keeps an explicit buffer, 0 included', () => {
    expect(readKeycloakAuthConfig(source(root({ ...FULL, tokenExpiryBufferSeconds: 0 })))?.tokenExpiryBufferSeconds).toBe(0);
    expect(readKeycloakAuthConfig(source(root({ ...FULL, tokenExpiryBufferSeconds: 90 })))?.tokenExpiryBufferSeconds).toBe(90);
  });

  it('accepts a buffer given as a string of digits, as environment substitution produces', () => {
    expect(readKeycloakAuthConfig(source(root({ ...FULL, tokenExpiryBufferSeconds: '45' })))?.tokenExpiryBufferSeconds).toBe(45);
  });

  const partials: Array<[string[], string[]]> = [
    [['tokenEndpoint'], ['clientId', 'clientSecret']],
    [['clientId'], ['tokenEndpoint', 'clientSecret']],
    [['clientSecret'], ['tokenEndpoint', 'clientId']],
    [['tokenEndpoint', 'clientId'], ['clientSecret']],
    [['tokenEndpoint', 'clientSecret'], ['clientId']],
    [['clientId', 'clientSecret'], ['tokenEndpoint']],
  ];
  it.each(partials)('with only %j set, throws naming the missing %j', (present, missing) => {
    const auth = Object.fromEntries(present.map(key => [key, FULL[key as keyof typeof FULL]]));
    const error = readError(source(root(auth)));
    expect(error.code).toBe('KAGENTI_AUTH_CONFIG_INVALID');
    expect([...error.keys].sort()).toEqual([...missing].sort());
    for (const key of missing) expect(error.message).toContain(`boost.kagenti.auth.${key}`);
    expect(error.message).not.toContain(SECRET);
  });

  it.each([
    ['a numeric clientSecret', { clientSecret: 123456 }, 'clientSecret'],
    ['a boolean clientId', { clientId: true }, 'clientId'],
    ['an object tokenEndpoint', { tokenEndpoint: { url: ENDPOINT } }, 'tokenEndpoint'],
    ['an empty clientId', { clientId: '' }, 'clientId'],
    ['a blank clientSecret', { clientSecret: '   ' }, 'clientSecret'],
    ['a relative tokenEndpoint', { tokenEndpoint: '/realms/x/token' }, 'tokenEndpoint'],
    ['a non-http tokenEndpoint', { tokenEndpoint: 'ldap://keycloak/token' }, 'tokenEndpoint'],
    ['credentials in tokenEndpoint', { tokenEndpoint: `https://boost:${SECRET}@keycloak/token` }, 'tokenEndpoint'],
    ['a negative buffer', { tokenExpiryBufferSeconds: -1 }, 'tokenExpiryBufferSeconds'],
    ['a fractional buffer', { tokenExpiryBufferSeconds: 1.5 }, 'tokenExpiryBufferSeconds'],
    ['a non-numeric buffer string', { tokenExpiryBufferSeconds: 'soon' }, 'tokenExpiryBufferSeconds'],
  ])('throws for %s, naming the key and never the secret', (_case, override, key) => {
    const error = readError(source(root({ ...FULL, ...override })));
    expect(error.keys).toContain(key);
    expect(error.message).toContain(`boost.kagenti.auth.${key}`);
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('throws when boost.kagenti.auth is not an object', () => {
    expect(() => readKeycloakAuthConfig(source(root('yes')))).toThrow(ConfigurationError);
  });
});

describe('kagentiAuthConfigSchema', () => {
  it('has every key optional and applies no defaults', () => {
    expect(kagentiAuthConfigSchema.parse({})).toEqual({});
  });

  it('enforces all-or-none of the core keys', () => {
    expect(kagentiAuthConfigSchema.safeParse({ clientId: 'x' }).success).toBe(false);
    expect(kagentiAuthConfigSchema.safeParse(FULL).success).toBe(true);
  });
});
