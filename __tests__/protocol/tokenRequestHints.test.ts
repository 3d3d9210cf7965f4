import { httpStatusHint, oauthErrorHint } from '../../lib/protocol/tokenRequestHints';

const PATH_HINT = 'Check tokenEndpoint: the realm name and the /realms/<realm>/protocol/openid-connect/token path.';
const GENERAL_HINT = 'Check tokenEndpoint and the client settings in Keycloak.';
const SERVER_HINT = 'Keycloak or a proxy in front of it failed; this may pass on its own.';
const INVALID_CLIENT_HINT =
  'Check the client id and secret (boost.kagenti.auth.clientId and clientSecret) and that the client has client authentication turned on.';

// The statuses each hint is for are pinned through the token request in requestClientCredentialsToken.test.ts;
// here, the edges of the ranges.
describe('httpStatusHint', () => {
  it.each([
    [400, GENERAL_HINT],
    [402, GENERAL_HINT],
    [406, GENERAL_HINT],
    [408, GENERAL_HINT],
    [428, GENERAL_HINT],
    [430, GENERAL_HINT],
    [499, GENERAL_HINT],
    [500, SERVER_HINT],
    [599, SERVER_HINT],
    [404, PATH_HINT],
  ])('HTTP %i: %s', (status, hint) => {
    expect(httpStatusHint(status)).toBe(hint);
  });
});

describe('oauthErrorHint', () => {
  it('gives the table hint for invalid_client when the method has none', () => {
    expect(oauthErrorHint('invalid_client', 401, undefined)).toBe(INVALID_CLIENT_HINT);
  });

  it("gives the method's hint for invalid_client when it has one", () => {
    expect(oauthErrorHint('invalid_client', 401, () => 'Check the signing key.')).toBe('Check the signing key.');
  });

  it("does not ask the method's hint for another error", () => {
    const hint = jest.fn(() => 'Check the signing key.');
    expect(oauthErrorHint('unsupported_grant_type', 400, hint)).toBe(
      'Check that the client credentials grant (service accounts) is enabled for the client in Keycloak.',
    );
    expect(hint).not.toHaveBeenCalled();
  });

  it('matches error names exactly, case included', () => {
    expect(oauthErrorHint('INVALID_CLIENT', 401, () => 'Check the signing key.')).toBe(
      'Check the client id and secret and the client settings in Keycloak.',
    );
  });

  it.each([
    [400, GENERAL_HINT],
    [404, PATH_HINT],
    [503, SERVER_HINT],
  ])('gives the hint of HTTP %i for an error the table does not know', (status, hint) => {
    expect(oauthErrorHint('temporarily_unavailable', status, undefined)).toBe(hint);
  });

  // The error name comes from the server: a name that is also a property every object inherits
  // must not turn that property (a function, or Object.prototype) into the hint.
  it.each(['toString', 'constructor', 'hasOwnProperty', '__proto__'])(
    'gives the hint of the status for the server-sent error %p, like any unknown one',
    error => {
      expect(oauthErrorHint(error, 400, undefined)).toBe(GENERAL_HINT);
    },
  );
});
