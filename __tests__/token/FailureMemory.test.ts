import { TokenRequestError, type TokenRequestErrorCode } from '../../lib/errors/TokenRequestError';
import { FailureMemory, failureHoldMs } from '../../lib/token/FailureMemory';

const ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
const COOLDOWN_MS = 5_000;

const failure = (code: TokenRequestErrorCode, extra: { status?: number; retryAfterMs?: number } = {}) =>
  new TokenRequestError(`Token request failed (${code})`, { code, tokenEndpoint: ENDPOINT, ...extra });

describe('failureHoldMs', () => {
  describe('when nothing was sent', () => {
    it.each<TokenRequestErrorCode>(['CLIENT_SECRET_UNAVAILABLE', 'CLIENT_ASSERTION_UNAVAILABLE'])(
      'never holds %s, even with a Retry-After',
      code => {
        expect(failureHoldMs(failure(code, { retryAfterMs: 60_000 }), COOLDOWN_MS)).toBe(0);
      },
    );
  });

  describe('when the failure needs a fix', () => {
    it.each<[TokenRequestErrorCode, number | undefined]>([
      ['TOKEN_ENDPOINT_OAUTH_ERROR', 401],
      ['TOKEN_ENDPOINT_HTTP_ERROR', 404],
      ['TOKEN_ENDPOINT_REDIRECT', 302],
      ['TOKEN_RESPONSE_INVALID', 200],
    ])('holds %s (HTTP %p) for the cool-down', (code, status) => {
      expect(failureHoldMs(failure(code, { status }), COOLDOWN_MS)).toBe(COOLDOWN_MS);
      expect(failureHoldMs(failure(code, { status }), 7_000)).toBe(7_000);
    });

    it('holds it for the cool-down, not for a Retry-After it came with', () => {
      expect(failureHoldMs(failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 400, retryAfterMs: 60_000 }), COOLDOWN_MS)).toBe(
        COOLDOWN_MS,
      );
    });
  });

  describe('when the failure may pass on its own', () => {
    it.each<[string, TokenRequestError]>([
      ['a timeout', failure('TOKEN_ENDPOINT_TIMEOUT')],
      ['an unreachable endpoint', failure('TOKEN_ENDPOINT_UNREACHABLE')],
      ['a 503 without Retry-After', failure('TOKEN_ENDPOINT_HTTP_ERROR', { status: 503 })],
      ['a 429 without Retry-After', failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 429 })],
    ])('does not hold %s', (_name, error) => {
      expect(failureHoldMs(error, COOLDOWN_MS)).toBe(0);
    });

    it.each([
      [1, 1],
      [10_000, 10_000],
      [299_999, 299_999],
      [300_000, 300_000],
      [300_001, 300_000],
      [3_600_000, 300_000],
    ])('holds it for a Retry-After of %p ms as %p ms', (retryAfterMs, holdMs) => {
      expect(failureHoldMs(failure('TOKEN_ENDPOINT_HTTP_ERROR', { status: 503, retryAfterMs }), COOLDOWN_MS)).toBe(holdMs);
    });
  });
});

describe('FailureMemory', () => {
  const setUp = () => {
    let time = 1_000;
    const memory = new FailureMemory(COOLDOWN_MS, () => time);
    return { memory, setTime: (ms: number) => (time = ms) };
  };

  it('holds nothing at first', () => {
    expect(setUp().memory.current(1_000)).toBeUndefined();
  });

  it('re-throws a held failure until one ms before `until`, and not at `until`', () => {
    const { memory } = setUp();
    const error = failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 401 });
    memory.remember(error);
    expect(memory.current(1_000)).toBe(error);
    expect(memory.current(5_999)).toBe(error);
    expect(memory.current(6_000)).toBeUndefined();
  });

  it('counts the hold from when the failure is remembered', () => {
    const { memory, setTime } = setUp();
    setTime(50_000);
    const error = failure('TOKEN_ENDPOINT_HTTP_ERROR', { status: 503, retryAfterMs: 2_000 });
    memory.remember(error);
    expect(memory.current(51_999)).toBe(error);
    expect(memory.current(52_000)).toBeUndefined();
  });

  it('does not remember a failure with no hold', () => {
    const { memory } = setUp();
    memory.remember(failure('CLIENT_SECRET_UNAVAILABLE'));
    memory.remember(failure('TOKEN_ENDPOINT_TIMEOUT'));
    expect(memory.current(1_000)).toBeUndefined();
  });

  it('keeps a held failure when a later one has no hold', () => {
    const { memory } = setUp();
    const held = failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 401 });
    memory.remember(held);
    memory.remember(failure('CLIENT_ASSERTION_UNAVAILABLE'));
    expect(memory.current(1_000)).toBe(held);
  });

  it('replaces a held failure with a later one that has a hold, and its `until`', () => {
    const { memory, setTime } = setUp();
    memory.remember(failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 401 }));
    setTime(2_000);
    const later = failure('TOKEN_ENDPOINT_HTTP_ERROR', { status: 503, retryAfterMs: 1_000 });
    memory.remember(later);
    expect(memory.current(2_999)).toBe(later);
    expect(memory.current(3_000)).toBeUndefined();
  });

  it('forgets a held failure on clear()', () => {
    const { memory } = setUp();
    memory.remember(failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 401 }));
    memory.clear();
    expect(memory.current(1_000)).toBeUndefined();
  });
});

describe('FailureMemory.currentFor: a failure bound to the credential that failed', () => {
  const setUp = () => {
    const memory = new FailureMemory(COOLDOWN_MS, () => 1_000);
    const error = failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 401 });
    return { memory, error };
  };

  it('holds nothing at first, and asks no credential', async () => {
    const check = jest.fn(() => Promise.resolve('digest-b'));
    await expect(setUp().memory.currentFor(1_000, check)).resolves.toBeUndefined();
    expect(check).not.toHaveBeenCalled();
  });

  it('re-throws the failure while the credential in place is the one that failed', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    await expect(memory.currentFor(1_000, () => Promise.resolve('digest-a'))).resolves.toBe(error);
    expect(memory.current(1_000)).toBe(error);
  });

  it('forgets the failure once the credential changed, so the next request tries at once', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    await expect(memory.currentFor(1_000, () => Promise.resolve('digest-b'))).resolves.toBeUndefined();
    expect(memory.current(1_000)).toBeUndefined();
  });

  it('holds the failure when the credential cannot change, or the failed attempt used none', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    await expect(memory.currentFor(1_000, undefined)).resolves.toBe(error);
    memory.remember(error);
    await expect(memory.currentFor(1_000, () => Promise.resolve('digest-b'))).resolves.toBe(error);
  });

  it('holds the failure when the credential in place cannot be had', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    await expect(memory.currentFor(1_000, () => Promise.reject(new Error('file gone')))).resolves.toBe(error);
  });

  it('asks the credential once for every caller waiting on one check, and again for a later caller', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    const check = jest.fn(() => Promise.resolve('digest-a'));
    const answers = await Promise.all([1, 2, 3].map(() => memory.currentFor(1_000, check)));
    expect(answers).toEqual([error, error, error]);
    expect(check).toHaveBeenCalledTimes(1);
    await memory.currentFor(1_000, check);
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('holds nothing once the hold ran out, without asking the credential', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    const check = jest.fn(() => Promise.resolve('digest-a'));
    await expect(memory.currentFor(1_000 + COOLDOWN_MS, check)).resolves.toBeUndefined();
    expect(check).not.toHaveBeenCalled();
  });

  it('keeps a newer failure remembered during a check that found the credential changed', async () => {
    const { memory, error } = setUp();
    memory.remember(error, 'digest-a');
    let answer!: (digest: string) => void;
    const pending = memory.currentFor(1_000, () => new Promise<string>(resolve => (answer = resolve)));
    const newer = failure('TOKEN_ENDPOINT_OAUTH_ERROR', { status: 400 });
    memory.remember(newer, 'digest-b');
    answer('digest-c');
    await expect(pending).resolves.toBeUndefined();
    expect(memory.current(1_000)).toBe(newer);
  });
});
