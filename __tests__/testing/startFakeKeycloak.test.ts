import { startFakeKeycloak, type FakeKeycloak } from '../../lib/testing';
import { rejection } from '../helpers/assertions';
import { jsonOf, loopbackRequest, type LoopbackAnswer } from './helpers/loopbackRequest';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (credentials: string): string => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe('startFakeKeycloak', () => {
  let keycloak: FakeKeycloak;

  /** A token request with exactly this form and these headers. */
  const tokenRequest = (form: Record<string, string>, headers: Record<string, string> = {}): Promise<LoopbackAnswer> =>
    loopbackRequest(keycloak.tokenEndpoint, {
      method: 'POST',
      headers: { ...FORM, ...headers },
      body: new URLSearchParams(form).toString(),
    });

  afterEach(async () => {
    jest.restoreAllMocks();
    await keycloak.close();
  });

  describe('with no options', () => {
    beforeEach(async () => {
      keycloak = await startFakeKeycloak();
    });

    it('accepts the client backstage with the secret fake-secret at the kagenti realm', async () => {
      expect(keycloak.authConfig()).toEqual({
        tokenEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/realms\/kagenti\/protocol\/openid-connect\/token$/),
        clientId: 'backstage',
        clientSecret: 'fake-secret',
      });
      expect([keycloak.clientId, keycloak.clientSecret]).toEqual(['backstage', 'fake-secret']);

      const answer = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic('backstage:fake-secret') });

      expect(answer.status).toBe(200);
    });

    it('issues tokens for 300 seconds, with the scope profile when none was asked', async () => {
      const answer = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'backstage',
        client_secret: 'fake-secret',
      });

      expect(jsonOf(answer)).toStrictEqual({
        access_token: expect.stringMatching(/^[\w-]{32}$/),
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'profile',
      });
    });
  });

  describe('the token endpoint', () => {
    beforeEach(async () => {
      keycloak = await startFakeKeycloak({ clientId: 'svc', clientSecret: 'a b c', expiresInSeconds: 120 });
    });

    it('answers JSON that no cache may keep, with the scope asked for', async () => {
      const answer = await tokenRequest(
        { grant_type: 'client_credentials', scope: 'x y' },
        { authorization: basic('svc:a+b+c') },
      );

      expect(answer.status).toBe(200);
      expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
      expect(jsonOf(answer)).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'x y' });
      expect(keycloak.requests).toStrictEqual([
        { authMethod: 'client_secret_basic', status: 200, clientId: 'svc', grantType: 'client_credentials', scope: 'x y' },
      ]);
    });

    it('keeps a token active until exactly expiresInSeconds after it was issued', async () => {
      const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
      const answer = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic('svc:a%20b%20c') });
      const { access_token: token } = jsonOf(answer) as { access_token: string };

      now.mockReturnValue(1_119_999);
      expect(keycloak.isActive(token)).toBe(true);
      now.mockReturnValue(1_120_000);
      expect(keycloak.isActive(token)).toBe(false);
    });

    it('reads client_secret_basic credentials in any case of "Basic" and after several spaces', async () => {
      const header = basic('svc:a b c').replace('Basic ', 'bASIC   ');

      const answer = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: header });

      expect(answer.status).toBe(200);
      expect(keycloak.requests[0]).toMatchObject({ authMethod: 'client_secret_basic', clientId: 'svc' });
    });

    it.each([
      ['text before "Basic"', `X${basic('svc:a b c')}`],
      ['a second word after the credentials', `${basic('svc:a b c')} more`],
      ['credentials without a colon', basic('svc')],
    ])('takes an Authorization header with %s for no credentials', async (_, authorization) => {
      const answer = await tokenRequest({ grant_type: 'client_credentials' }, { authorization });

      expect(answer.status).toBe(401);
      expect(keycloak.requests).toStrictEqual([{ authMethod: 'none', status: 401, grantType: 'client_credentials' }]);
    });

    it('drops the connection when Basic credentials are not valid percent-encoding', async () => {
      const error = await rejection<NodeJS.ErrnoException>(
        tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic('svc:%E0%A4%A') }),
      );

      expect(error.code).toBe('ECONNRESET');
    });

    it('reads client_secret_post credentials from the form', async () => {
      const answer = await tokenRequest({ grant_type: 'client_credentials', client_id: 'svc', client_secret: 'a b c' });

      expect(answer.status).toBe(200);
      expect(keycloak.requests).toStrictEqual([
        { authMethod: 'client_secret_post', status: 200, clientId: 'svc', grantType: 'client_credentials' },
      ]);
    });

    it.each([
      ['a wrong secret', { client_id: 'svc', client_secret: 'a b' }],
      ['a wrong client id', { client_id: 'other', client_secret: 'a b c' }],
      ['no secret', { client_id: 'svc' }],
    ])('answers 401 invalid_client to %s', async (_, credentials) => {
      const answer = await tokenRequest({ grant_type: 'client_credentials', ...credentials });

      expect(answer.status).toBe(401);
      expect(jsonOf(answer)).toStrictEqual({
        error: 'invalid_client',
        error_description: 'Invalid client or Invalid client credentials',
      });
      expect(keycloak.requests[0].status).toBe(401);
    });

    it('records a request without credentials as method none, with only what it carried', async () => {
      const answer = await tokenRequest({});

      expect(answer.status).toBe(401);
      expect(keycloak.requests).toStrictEqual([{ authMethod: 'none', status: 401 }]);
    });

    it.each([
      ['another grant type', { grant_type: 'password' }, { grantType: 'password' }],
      ['no grant type', {}, {}],
    ])('answers 400 unsupported_grant_type to %s', async (_, grant, recorded) => {
      const answer = await tokenRequest({ client_id: 'svc', client_secret: 'a b c', ...grant });

      expect(answer.status).toBe(400);
      expect(jsonOf(answer)).toStrictEqual({ error: 'unsupported_grant_type' });
      expect(keycloak.requests).toStrictEqual([{ authMethod: 'client_secret_post', status: 400, clientId: 'svc', ...recorded }]);
    });

    it.each([
      ['a GET of the token path', 'GET', ''],
      ['a POST to another path', 'POST', '/other'],
      ['a POST with a query string', 'POST', '?x=1'],
    ])('answers 404 not_found to %s, and does not record it', async (_, method, suffix) => {
      const answer = await loopbackRequest(`${keycloak.tokenEndpoint}${suffix}`, {
        method,
        headers: { ...FORM, authorization: basic('svc:a b c') },
        body: method === 'POST' ? 'grant_type=client_credentials' : undefined,
      });

      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(jsonOf(answer)).toStrictEqual({ error: 'not_found' });
      expect(keycloak.requests).toEqual([]);
    });
  });

  describe('revokeAll', () => {
    beforeEach(async () => {
      keycloak = await startFakeKeycloak();
    });

    const issue = async (): Promise<string> => {
      const answer = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'backstage',
        client_secret: 'fake-secret',
      });
      return (jsonOf(answer) as { access_token: string }).access_token;
    };

    it('makes every token issued so far inactive, revoked one by one or not', async () => {
      const [first, second, third] = [await issue(), await issue(), await issue()];
      keycloak.revoke(second);

      keycloak.revokeAll();

      expect([first, second, third].map(token => keycloak.isActive(token))).toEqual([false, false, false]);
    });

    it('leaves tokens issued afterwards active', async () => {
      const before = await issue();
      keycloak.revokeAll();

      const after = await issue();

      expect([keycloak.isActive(before), keycloak.isActive(after)]).toEqual([false, true]);
    });
  });

  describe('with a port', () => {
    it('listens on 127.0.0.1 at that port', async () => {
      const probe = await startFakeKeycloak();
      const { port } = new URL(probe.tokenEndpoint);
      await probe.close();

      keycloak = await startFakeKeycloak({ port: Number(port) });

      expect(keycloak.tokenEndpoint).toBe(`http://127.0.0.1:${port}/realms/kagenti/protocol/openid-connect/token`);
      expect((await tokenRequest({ grant_type: 'client_credentials' })).status).toBe(401);
    });
  });

  describe('setFault', () => {
    beforeEach(async () => {
      keycloak = await startFakeKeycloak();
    });

    it('answers a status fault without an error with a plain message body, and records the status', async () => {
      keycloak.setFault({ mode: 'status', status: 502 });

      const answer = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'backstage',
        client_secret: 'fake-secret',
      });

      expect(answer.status).toBe(502);
      expect(jsonOf(answer)).toStrictEqual({ message: 'fault' });
      expect(keycloak.requests[0].status).toBe(502);
    });

    it('answers a status fault with an error as an RFC 6749 error body', async () => {
      keycloak.setFault({ mode: 'status', status: 400, error: 'invalid_scope' });

      const answer = await tokenRequest({ grant_type: 'client_credentials' });

      expect(answer.status).toBe(400);
      expect(jsonOf(answer)).toStrictEqual({ error: 'invalid_scope' });
    });
  });
});
