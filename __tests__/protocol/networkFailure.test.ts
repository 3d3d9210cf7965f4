import { TokenRequestError } from '../../lib/errors/TokenRequestError';
import { networkFailure, timeoutFailure } from '../../lib/protocol/networkFailure';
import { tokenRequestFailure } from '../../lib/protocol/tokenRequestFailure';
import { Redactor } from '../../lib/util/Redactor';
import { serializeEveryWay } from '../helpers/secretScan';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const PREFIX = `Token request to ${ENDPOINT} failed: `;
const SECRET = 'Sup3r-S3cret-Value!';
const fail = tokenRequestFailure(ENDPOINT);

const transportError = (code: string | undefined, message: string, extra: object = {}) =>
  Object.assign(new Error(message), code === undefined ? {} : { code }, extra);
const judge = (error: unknown, timeoutMs = 5_000) => networkFailure(error, fail, new Redactor().add(SECRET), timeoutMs);

// requestClientCredentialsToken.test.ts pins one failure of each kind through a request; here, the
// remaining connect codes, which rule wins when several match, and what the cause keeps.
describe('networkFailure', () => {
  it.each(['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])('calls %s "could not connect"', code => {
    const error = judge(transportError(code, `${code} keycloak.test`));
    expect(error.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
    expect(error.message).toBe(
      `${PREFIX}could not connect (${code}). Check tokenEndpoint's host and port and that Keycloak is running and reachable.`,
    );
  });

  describe('when several rules match', () => {
    it('calls a timeout code a timeout, whatever the message says', () => {
      const error = judge(transportError('ETIMEDOUT', 'socket hang up, maxContentLength'), 1_234);
      expect(error.code).toBe('TOKEN_ENDPOINT_TIMEOUT');
      expect(error.message).toBe(
        `${PREFIX}no answer within the time limit (ETIMEDOUT). Check that Keycloak is reachable from this host, or raise timeoutMs (now 1234 ms).`,
      );
    });

    it('calls a hang-up a closed connection even with a connect code', () => {
      expect(judge(transportError('ECONNREFUSED', 'socket hang up')).message).toBe(
        `${PREFIX}the connection closed before a complete answer (ECONNREFUSED). Check Keycloak and any proxy in front of it.`,
      );
    });

    it('calls a message saying "aborted", in any case, a closed connection', () => {
      expect(judge(transportError(undefined, 'Request ABORTED by peer')).message).toBe(
        `${PREFIX}the connection closed before a complete answer (reset). Check Keycloak and any proxy in front of it.`,
      );
    });

    it('reads the size limit in the message in any case', () => {
      expect(judge(transportError('ERR_BAD_RESPONSE', 'MAXCONTENTLENGTH exceeded')).code).toBe('TOKEN_RESPONSE_INVALID');
    });
  });

  describe('the cause', () => {
    it('is a fresh NetworkError with only the code and the message, not the transport error', () => {
      const raw = transportError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8443', {
        config: { data: `client_secret=${SECRET}` },
      });
      const cause = judge(raw).cause as Error & { code?: string };
      expect(cause).not.toBe(raw);
      expect(cause).toBeInstanceOf(Error);
      expect(cause.name).toBe('NetworkError');
      expect(cause.code).toBe('ECONNREFUSED');
      expect(cause.message).toBe('connect ECONNREFUSED 127.0.0.1:8443');
      expect(cause).not.toHaveProperty('config');
    });

    it('holds the message with secrets redacted, as does the error', () => {
      const error = judge(transportError(undefined, `proxy echoed client_secret=${SECRET}`));
      expect((error.cause as Error).message).toBe('proxy echoed client_secret=[REDACTED]');
      expect(error.message).toBe(
        `${PREFIX}the request could not be completed (proxy echoed client_secret=[REDACTED]). Check tokenEndpoint.`,
      );
      expect(serializeEveryWay(error)).not.toContain(SECRET);
    });

    it('takes the text of a thrown value that is not an error', () => {
      const error = judge(`raw ${SECRET}`);
      expect((error.cause as Error).message).toBe('raw [REDACTED]');
      expect(error.message).toBe(`${PREFIX}the request could not be completed (raw [REDACTED]). Check tokenEndpoint.`);
    });
  });
});

describe('timeoutFailure', () => {
  it('says the request got no answer within the time limit, with no cause', () => {
    const error = timeoutFailure(fail, 2_500);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.code).toBe('TOKEN_ENDPOINT_TIMEOUT');
    expect(error.message).toBe(
      `${PREFIX}no answer within 2500 ms. Check that Keycloak is reachable from this host, or raise timeoutMs.`,
    );
    expect(error.cause).toBeUndefined();
    expect(error.transient).toBe(true);
  });
});
