import { readFile } from 'node:fs/promises';
import { TokenRequestError } from '../../../lib';
import { clientAssertionSource } from '../../../lib/protocol/clientAuthentication/clientAssertion';
import { rejection } from '../../helpers/assertions';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const FILE = '/var/run/secrets/tokens/kagenti';

// Real file systems always give a code; a failure without one is only reached through a stand-in.
jest.mock('node:fs/promises', () => ({ readFile: jest.fn() }));
const failRead = (failure: unknown) => jest.mocked(readFile).mockRejectedValueOnce(failure);

describe('clientAssertionSource', () => {
  describe('when the clientAssertionFile cannot be read', () => {
    it('names the error code the file system gave', async () => {
      failRead(Object.assign(new Error('permission denied'), { code: 'EACCES' }));
      const error = await rejection<TokenRequestError>(clientAssertionSource(ENDPOINT, { clientAssertionFile: FILE })());
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error.code).toBe('CLIENT_ASSERTION_UNAVAILABLE');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} not sent: the clientAssertionFile ${FILE} could not be read (EACCES). Check that the projected token is mounted there and readable by this process.`,
      );
    });

    it.each([
      ['no code', new Error('disk on fire')],
      ['a code that is not a string', Object.assign(new Error('odd'), { code: 13 })],
    ])('says "error" for a failure with %s, and never quotes its message', async (_name, failure) => {
      failRead(failure);
      const error = await rejection<TokenRequestError>(clientAssertionSource(ENDPOINT, { clientAssertionFile: FILE })());
      expect(error.code).toBe('CLIENT_ASSERTION_UNAVAILABLE');
      expect(error.message).toBe(
        `Token request to ${ENDPOINT} not sent: the clientAssertionFile ${FILE} could not be read (error). Check that the projected token is mounted there and readable by this process.`,
      );
    });
  });
});
