import { ConfigReader } from '@backstage/config';
import { ConfigurationError } from '../../lib';
import { KAGENTI_BASE_URL_CONFIG_PATH, readKagentiBaseUrl } from '../../lib/backstage';

const read = (baseUrl: unknown) =>
  readKagentiBaseUrl(new ConfigReader({ boost: { providers: { kagenti: { baseUrl } } } } as never));

function configurationError(baseUrl: unknown): ConfigurationError {
  try {
    read(baseUrl);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('readKagentiBaseUrl', () => {
  it('reads boost.providers.kagenti.baseUrl, trimmed', () => {
    expect(KAGENTI_BASE_URL_CONFIG_PATH).toBe('boost.providers.kagenti.baseUrl');
    expect(read(' https://kagenti.example.com/base/ ')).toBe('https://kagenti.example.com/base/');
    expect(read('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });

  it('trims any whitespace, a no-break space pasted with the URL included (which the URL parser would refuse)', () => {
    expect(read('\u00a0https://kagenti.example.com\u00a0')).toBe('https://kagenti.example.com');
  });

  it.each([
    ['missing', undefined, /is not set/],
    ['empty', '  ', /is not set/],
    ['a number', 8080, /must be a string/],
    ['relative', 'kagenti.internal/api', /absolute http\(s\) URL/],
    ['not http(s)', 'ftp://kagenti.internal', /must use http or https, not ftp:/],
    ['with credentials', 'https://admin:hunter2@kagenti.internal', /must not contain credentials/],
    ['with a user name only', 'https://admin@kagenti.internal', /must not contain credentials/],
    ['with a password only', 'https://:hunter2@kagenti.internal', /must not contain credentials/],
    ['with a query', 'https://kagenti.internal/?token=abc', /must not have a query or fragment/],
  ])('is a ConfigurationError naming the key when %s, quoting no value', (_, value, says) => {
    const error = configurationError(value);
    expect(error.message).toMatch(says);
    expect(error.message).toContain(KAGENTI_BASE_URL_CONFIG_PATH);
    expect(error.keys).toEqual([KAGENTI_BASE_URL_CONFIG_PATH]);
    for (const fragment of ['kagenti.internal', 'hunter2', 'abc', '8080']) expect(error.message).not.toContain(fragment);
  });
});
