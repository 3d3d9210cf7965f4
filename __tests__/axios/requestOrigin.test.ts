import axios, { AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { isAbsoluteUrl, requestOrigin } from '../../lib/axios/requestOrigin';

const request = (extra: Partial<InternalAxiosRequestConfig>) =>
  ({ headers: new AxiosHeaders(), ...extra }) as InternalAxiosRequestConfig;

/** Where axios itself would send the request. */
const axiosOrigin = (config: InternalAxiosRequestConfig) => new URL(axios.getUri(config)).origin;

describe('requestOrigin', () => {
  it("takes an absolute URL's own origin over the baseURL", () => {
    const config = request({ baseURL: 'https://kagenti.test/api', url: 'https://other.test:8443/x' });
    expect(requestOrigin(config)).toBe('https://other.test:8443');
    expect(requestOrigin(config)).toBe(axiosOrigin(config));
  });

  it('takes the baseURL for an absolute URL when allowAbsoluteUrls is false, since axios then appends it to the baseURL', () => {
    const config = request({ baseURL: 'https://kagenti.test/api', url: 'https://evil.test/x', allowAbsoluteUrls: false });
    expect(requestOrigin(config)).toBe('https://kagenti.test');
    expect(requestOrigin(config)).toBe(axiosOrigin(config));
  });

  it('takes the baseURL for a relative URL, and for a request with no URL at all', () => {
    expect(requestOrigin(request({ baseURL: 'https://kagenti.test/api', url: '/items' }))).toBe('https://kagenti.test');
    expect(requestOrigin(request({ baseURL: 'https://kagenti.test/api' }))).toBe('https://kagenti.test');
  });

  it('follows the baseURL from one request to the next, for instances with different baseURLs taking turns', () => {
    const a = request({ baseURL: 'https://a.test', url: '/x' });
    const b = request({ baseURL: 'https://b.test:8443/api', url: '/x' });
    const none = request({ url: '/x' });
    expect([a, b, a, a, none, b, none, a].map(requestOrigin)).toEqual([
      'https://a.test',
      'https://b.test:8443',
      'https://a.test',
      'https://a.test',
      undefined,
      'https://b.test:8443',
      undefined,
      'https://a.test',
    ]);
  });

  it('does not know the origin of a relative URL without a baseURL, or with a baseURL that is not absolute', () => {
    expect(requestOrigin(request({ url: '/items' }))).toBeUndefined();
    expect(requestOrigin(request({ baseURL: '/api', url: '/items' }))).toBeUndefined();
  });
});

describe('isAbsoluteUrl', () => {
  it.each([
    ['https://kagenti.test/x', true],
    ['HTTP://kagenti.test', true],
    ['//kagenti.test/x', true],
    ['/x', false],
    ['x', false],
    ['', false],
  ])('%j → %s', (url, expected) => {
    expect(isAbsoluteUrl(url)).toBe(expected);
  });
});
