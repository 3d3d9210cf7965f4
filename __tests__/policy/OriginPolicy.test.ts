import axios from 'axios';
import { installKeycloakAuth } from '../../lib';
import { OriginPolicy } from '../../lib/policy/OriginPolicy';
import { managerFixture } from '../helpers/tokenEndpointMock';

describe('OriginPolicy (which origins get the token)', () => {
  it('refuses an allowedOrigins entry without an origin, naming the entry', () => {
    const { manager } = managerFixture();
    const api = axios.create({ baseURL: 'https://kagenti.test' });
    expect(() => installKeycloakAuth(api, manager, { allowedOrigins: ['https://kagenti.test', 'kagenti.test/api'] })).toThrow(
      new TypeError('allowedOrigins: "kagenti.test/api" is not an absolute URL with an origin'),
    );
  });

  it('explains what to set when the instance has no absolute baseURL and no allowedOrigins', () => {
    const { manager } = managerFixture();
    expect(() => installKeycloakAuth(axios.create({ baseURL: '/api' }), manager)).toThrow(
      new TypeError(
        'installKeycloakAuth: the axios instance has no absolute baseURL; set one or pass allowedOrigins, so that the token only goes where it belongs',
      ),
    );
  });

  it('allows the listed origins only, and never an unknown one', () => {
    const policy = OriginPolicy.create(['https://kagenti.test/some/path', 'http://localhost:7007'], undefined, 'unused');
    expect(policy.allows('https://kagenti.test')).toBe(true);
    expect(policy.allows('http://localhost:7007')).toBe(true);
    expect(policy.allows('https://kagenti.test:8443')).toBe(false);
    expect(policy.allows(undefined)).toBe(false);
  });

  it('defaults to the origin of the baseURL', () => {
    const policy = OriginPolicy.create(undefined, 'https://kagenti.test/api/v1', 'unused');
    expect(policy.allows('https://kagenti.test')).toBe(true);
    expect(policy.allows('https://other.test')).toBe(false);
  });

  it('judges an absolute URL by its origin, and never a relative or unreadable one', () => {
    const policy = OriginPolicy.create(undefined, 'https://kagenti.test/api/v1', 'unused');
    expect(policy.allowsUrl('https://kagenti.test/elsewhere?q=1')).toBe(true);
    expect(policy.allowsUrl('https://kagenti.test:444/')).toBe(false);
    expect(policy.allowsUrl('/api/v1')).toBe(false);
    expect(policy.allowsUrl(undefined)).toBe(false);
  });

  it('throws the given message when there is neither a list nor an absolute base URL', () => {
    expect(() => OriginPolicy.create(undefined, '/relative', 'set a base')).toThrow(new TypeError('set a base'));
  });
});
