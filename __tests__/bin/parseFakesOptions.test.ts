import { FakesUsageError, parseFakesOptions } from '../../lib/bin/parseFakesOptions';

describe('parseFakesOptions', () => {
  it('defaults to ports 8180, 8181, 8182 and the fake Keycloak’s own defaults', () => {
    expect(parseFakesOptions([])).toStrictEqual({
      keycloakPort: 8180,
      kagentiPort: 8181,
      controlPort: 8182,
      clientId: 'backstage',
      clientSecret: 'fake-secret',
      realm: 'kagenti',
      expiresInSeconds: 300,
    });
  });

  it('takes every option, in both --name value and --name=value forms, 0 for a free port', () => {
    const options = parseFakesOptions([
      '--keycloak-port',
      '0',
      '--kagenti-port=65535',
      '--control-port',
      '9000',
      '--client-id',
      'svc',
      '--client-secret=s3 cret',
      '--realm',
      'team.a-1',
      '--expires-in',
      '1',
    ]);

    expect(options).toStrictEqual({
      keycloakPort: 0,
      kagentiPort: 65535,
      controlPort: 9000,
      clientId: 'svc',
      clientSecret: 's3 cret',
      realm: 'team.a-1',
      expiresInSeconds: 1,
    });
  });

  it('answers help to --help', () => {
    expect(parseFakesOptions(['--help'])).toBe('help');
  });

  it.each([
    [['--keycloak-port', '65536'], '--keycloak-port must be an integer from 0 to 65535'],
    [['--kagenti-port', '-1'], /--kagenti-port/],
    [['--kagenti-port', '70000'], '--kagenti-port must be an integer from 0 to 65535'],
    [['--control-port', '8.5'], '--control-port must be an integer from 0 to 65535'],
    [['--control-port', ''], '--control-port must be an integer from 0 to 65535'],
    [['--expires-in', '0'], '--expires-in must be an integer from 1 to 86400'],
    [['--expires-in', '86401'], '--expires-in must be an integer from 1 to 86400'],
    [['--client-id', ''], '--client-id must not be empty'],
    [['--client-secret='], '--client-secret must not be empty'],
    [['--realm', 'a/b'], '--realm may hold letters, digits, "_", "." and "-" only'],
    [['--realm', ''], '--realm must not be empty'],
    [['--port', '1'], /Unknown option '--port'/],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseFakesOptions(argv)).toThrow(message);
    expect(() => parseFakesOptions(argv)).toThrow(FakesUsageError);
  });

  it('refuses a stray argument without quoting it (it could be a secret typed in the wrong place)', () => {
    let error: unknown;
    try {
      parseFakesOptions(['--client-id', 'svc', 'hunter2']);
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(FakesUsageError);
    expect((error as Error).message).toBe('kagenti-auth-fakes takes options only (--name value), no other arguments');
    expect((error as Error).name).toBe('FakesUsageError');
  });
});
