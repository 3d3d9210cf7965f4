import { AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { describeRequest } from '../../lib/axios/describeRequest';

const config = (extra: Partial<InternalAxiosRequestConfig>) =>
  ({ headers: new AxiosHeaders(), ...extra }) as InternalAxiosRequestConfig;

describe('describeRequest', () => {
  it('names the method in capitals, the origin and the path, without the query', () => {
    expect(describeRequest(config({ method: 'post', baseURL: 'https://kagenti.test', url: '/api/v1/agents?token=x' }))).toBe(
      'POST https://kagenti.test/api/v1/agents',
    );
  });

  it('says GET when no method is set', () => {
    expect(describeRequest(config({ baseURL: 'https://kagenti.test', url: '/a' }))).toBe('GET https://kagenti.test/a');
  });

  it('uses an absolute URL as it is, without its query', () => {
    expect(describeRequest(config({ method: 'get', baseURL: 'https://kagenti.test', url: 'https://other.test/b?q=1' }))).toBe(
      'GET https://other.test/b',
    );
  });

  it('gives the path alone when no origin is known', () => {
    expect(describeRequest(config({ method: 'delete', url: '/c?x' }))).toBe('DELETE /c');
  });

  it('describes a request with no URL', () => {
    expect(describeRequest(config({ method: 'get', baseURL: 'https://kagenti.test' }))).toBe('GET https://kagenti.test');
  });
});
