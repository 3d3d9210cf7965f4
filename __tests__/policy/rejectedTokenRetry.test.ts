import { decideOnRejectedToken, type RejectedTokenAnswer } from '../../lib/policy/rejectedTokenRetry';

const firstTry = (status: number | undefined, wwwAuthenticate: string | undefined): RejectedTokenAnswer => ({
  status,
  wwwAuthenticate,
  retried: false,
  replayable: true,
});

const DROP_AND_RETRY = { invalidate: true, retry: true };
const LEAVE_IT = { invalidate: false, retry: false };

describe('decideOnRejectedToken', () => {
  describe('when a 401 rejects the token itself', () => {
    it.each([
      ['no challenge', undefined],
      ['an empty header', ''],
      ['a blank header', ' , '],
      ['a Bearer challenge without an error', 'Bearer realm="kagenti"'],
      ['a bare Bearer challenge', 'Bearer'],
      ['invalid_token', 'Bearer realm="kagenti", error="invalid_token", error_description="expired"'],
      ['invalid_token unquoted, scheme in lower case', 'bearer error=invalid_token'],
      ['a Bearer challenge beside another scheme', 'Basic realm="x", Bearer realm="kagenti"'],
    ])('drops the token and retries, on %s', (_name, challenge) => {
      expect(decideOnRejectedToken(firstTry(401, challenge))).toEqual(DROP_AND_RETRY);
    });

    it.each([
      [false, true, DROP_AND_RETRY],
      [false, false, { invalidate: true, retry: false }],
      [true, true, LEAVE_IT],
      [true, false, LEAVE_IT],
    ])('with retried %p and a body replayable %p: %p', (retried, replayable, decision) => {
      expect(decideOnRejectedToken({ status: 401, wwwAuthenticate: undefined, retried, replayable })).toEqual(decision);
    });
  });

  describe('when a 401 says a new token would not help', () => {
    it.each([
      ['insufficient_scope', 'Bearer error="insufficient_scope", scope="agents:read"'],
      ['invalid_request', 'Bearer error="invalid_request"'],
      ['an unknown error', 'Bearer error="something_else"'],
      ['a challenge for another scheme only', 'Basic realm="kagenti"'],
      ['a challenge for schemes other than Bearer', 'Negotiate, DPoP algs="ES256"'],
    ])('keeps the token and does not retry, on %s', (_name, challenge) => {
      expect(decideOnRejectedToken(firstTry(401, challenge))).toEqual(LEAVE_IT);
    });
  });

  it.each([400, 402, 403, 404, 407, 500, undefined])('leaves HTTP %p alone, whatever its challenge', status => {
    expect(decideOnRejectedToken(firstTry(status, undefined))).toEqual(LEAVE_IT);
    expect(decideOnRejectedToken(firstTry(status, 'Bearer error="invalid_token"'))).toEqual(LEAVE_IT);
  });
});
