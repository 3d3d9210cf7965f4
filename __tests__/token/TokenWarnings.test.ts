import { TokenWarnings } from '../../lib/token/TokenWarnings';
import { RecordingLogger, type LogLine } from '../helpers/RecordingLogger';

const CLIENT_ID = 'boost-backend';

const SHORT_LIFETIME =
  'Keycloak tokens live 20 s, not more than the 30 s expiry buffer; each is used for half its lifetime. Lower tokenExpiryBufferSeconds or raise the access token lifespan in Keycloak.';
const NO_EXPIRES_IN = 'Keycloak token response has no expires_in; using each token for 30 s. Check the token endpoint.';
const INVALID_EXPIRES_IN =
  'Keycloak token response has an invalid expires_in; using each token for 30 s. Check the token endpoint.';
const streaming = (usableS: number, wantedS: number) =>
  `Keycloak tokens are usable for ${usableS} s, less than the ${wantedS} s asked for a stream; streams may outlive their token. Raise the access token lifespan in Keycloak, or lower the stream's minimum lifetime or tokenExpiryBufferSeconds.`;

const warning = (message: string): LogLine => ({ level: 'warn', message, meta: { clientId: CLIENT_ID } });

const setUp = () => {
  const logger = new RecordingLogger();
  return { logger, warnings: new TokenWarnings(logger, CLIENT_ID) };
};

describe('TokenWarnings', () => {
  describe('lifetime', () => {
    it.each([
      ['short-lifetime', 20, SHORT_LIFETIME],
      ['missing-expiry', undefined, NO_EXPIRES_IN],
      ['invalid-expiry', undefined, INVALID_EXPIRES_IN],
    ] as const)('warns about %s once, at warn level with the clientId', (note, expiresIn, message) => {
      const { logger, warnings } = setUp();
      warnings.lifetime(note, expiresIn, 30_000);
      warnings.lifetime(note, expiresIn, 30_000);
      expect(logger.lines).toEqual([warning(message)]);
    });

    it('shows the buffer in seconds, fractions included', () => {
      const { logger, warnings } = setUp();
      warnings.lifetime('short-lifetime', 1, 1_500);
      expect(logger.lines[0].message).toBe(
        'Keycloak tokens live 1 s, not more than the 1.5 s expiry buffer; each is used for half its lifetime. Lower tokenExpiryBufferSeconds or raise the access token lifespan in Keycloak.',
      );
    });

    it('warns once for expires_in, whether it was missing or invalid', () => {
      const { logger, warnings } = setUp();
      warnings.lifetime('missing-expiry', undefined, 30_000);
      warnings.lifetime('invalid-expiry', undefined, 30_000);
      expect(logger.lines).toEqual([warning(NO_EXPIRES_IN)]);
    });

    it('warns about a short lifetime and about expires_in separately', () => {
      const { logger, warnings } = setUp();
      warnings.lifetime('invalid-expiry', undefined, 30_000);
      warnings.lifetime('short-lifetime', 20, 30_000);
      expect(logger.lines).toEqual([warning(INVALID_EXPIRES_IN), warning(SHORT_LIFETIME)]);
    });
  });

  describe('shortForStreaming', () => {
    it('warns once, in whole seconds, rounding half up', () => {
      const { logger, warnings } = setUp();
      warnings.shortForStreaming(29_500, 60_499);
      warnings.shortForStreaming(10_000, 90_000);
      expect(logger.lines).toEqual([warning(streaming(30, 60))]);
    });

    it('rounds down under the half', () => {
      const { logger, warnings } = setUp();
      warnings.shortForStreaming(29_499, 60_000);
      expect(logger.lines[0].message).toBe(streaming(29, 60));
    });

    it('is a warning of its own, beside the lifetime ones', () => {
      const { logger, warnings } = setUp();
      warnings.lifetime('short-lifetime', 20, 30_000);
      warnings.shortForStreaming(10_000, 60_000);
      expect(logger.lines).toEqual([warning(SHORT_LIFETIME), warning(streaming(10, 60))]);
    });
  });

  it('keeps its "once" to itself: another manager warns again', () => {
    const logger = new RecordingLogger();
    new TokenWarnings(logger, CLIENT_ID).lifetime('missing-expiry', undefined, 30_000);
    new TokenWarnings(logger, CLIENT_ID).lifetime('missing-expiry', undefined, 30_000);
    expect(logger.lines).toEqual([warning(NO_EXPIRES_IN), warning(NO_EXPIRES_IN)]);
  });

  it('does nothing, without throwing, when there is no logger', () => {
    const warnings = new TokenWarnings(undefined, CLIENT_ID);
    expect(() => {
      warnings.lifetime('short-lifetime', 20, 30_000);
      warnings.lifetime('missing-expiry', undefined, 30_000);
      warnings.shortForStreaming(10_000, 60_000);
    }).not.toThrow();
  });
});
