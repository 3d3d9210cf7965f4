import { isUsable, refreshAheadStart, streamingChoice, usableLifetime } from '../../lib/token/expiryPolicy';
import type { TokenResponse } from '../../lib/protocol/TokenHttpResponse';
import type { UsableToken } from '../../lib/util/UsableToken';

const DAY_MS = 86_400_000;
const BUFFER_MS = 30_000;

const response = (expiresIn: number): TokenResponse => ({ accessToken: 'token-1', expiresIn });

describe('usableLifetime', () => {
  describe('when expires_in is above the buffer', () => {
    it.each([
      [300, 270_000],
      [30.001, 1],
      [86_400, DAY_MS - BUFFER_MS],
    ])('uses a token of %p s for expires_in − buffer (%p ms), with no note', (expiresIn, usableMs) => {
      expect(usableLifetime(response(expiresIn), BUFFER_MS)).toEqual({ usableLifetimeMs: usableMs });
    });

    it('uses the whole lifetime with no buffer', () => {
      expect(usableLifetime(response(1), 0)).toEqual({ usableLifetimeMs: 1000 });
    });
  });

  describe('when expires_in is longer than a day', () => {
    it.each([86_401, 10 ** 12])('counts %p s as one day', expiresIn => {
      expect(usableLifetime(response(expiresIn), BUFFER_MS)).toEqual({ usableLifetimeMs: DAY_MS - BUFFER_MS });
    });

    it('compares the capped day, not expires_in, with the buffer', () => {
      expect(usableLifetime(response(100_000), DAY_MS)).toEqual({ usableLifetimeMs: DAY_MS / 2, note: 'short-lifetime' });
    });
  });

  describe('when expires_in is not above the buffer', () => {
    it.each([
      [30, 15_000],
      [29.999, 14_999.5],
      [1, 500],
    ])('uses a token of %p s for half its lifetime (%p ms), noting it', (expiresIn, usableMs) => {
      expect(usableLifetime(response(expiresIn), BUFFER_MS)).toEqual({ usableLifetimeMs: usableMs, note: 'short-lifetime' });
    });
  });

  describe('when there is no usable expires_in', () => {
    it.each<[TokenResponse['expiresInProblem'], string]>([
      ['missing', 'missing-expiry'],
      ['invalid', 'invalid-expiry'],
      [undefined, 'invalid-expiry'],
    ])('uses the token for 30 s and notes a problem %p as %s', (problem, note) => {
      const answer: TokenResponse = { accessToken: 'token-1', ...(problem ? { expiresInProblem: problem } : {}) };
      expect(usableLifetime(answer, BUFFER_MS)).toEqual({ usableLifetimeMs: 30_000, note });
    });
  });
});

describe('isUsable', () => {
  const token: UsableToken = { accessToken: 'token-1', usableUntil: 1_000, usableLifetimeMs: 500 };

  it('hands a token out up to one ms before usableUntil', () => {
    expect(isUsable(token, 999)).toBe(true);
  });

  it('stops at usableUntil itself', () => {
    expect(isUsable(token, 1_000)).toBe(false);
  });

  it('has nothing to hand out without a token', () => {
    expect(isUsable(undefined, 0)).toBe(false);
  });
});

describe('refreshAheadStart', () => {
  const token: UsableToken = { accessToken: 'token-1', usableUntil: 1_000_000, usableLifetimeMs: 100_000 };

  it('starts the fraction of the usable life before its end', () => {
    expect(refreshAheadStart(token, 0.15)).toBe(985_000);
  });

  it('takes no spread as a spread of 0', () => {
    expect(refreshAheadStart(token, 0.15, 0)).toBe(985_000);
  });

  it('starts at the end with a fraction of 0', () => {
    expect(refreshAheadStart(token, 0)).toBe(1_000_000);
  });

  it.each([
    [0.5, 990_625],
    [0.999_999, 996_249.988_75],
  ])('moves a spread of %p later, by at most three quarters of the window', (spread, start) => {
    expect(refreshAheadStart(token, 0.15, spread)).toBeCloseTo(start, 5);
  });
});

describe('streamingChoice', () => {
  const NOW = 1_000_000;
  const MIN_MS = 60_000;
  const token = (remainingMs: number, freshMs: number): UsableToken => ({
    accessToken: 'token-1',
    usableUntil: NOW + remainingMs,
    usableLifetimeMs: freshMs,
  });

  it.each([
    ['uses the cached token with exactly the minimum left', 60_000, 100_000, 'use', false],
    ['fetches one ms short of the minimum when a fresh one lasts longer', 59_999, 100_000, 'fetch', false],
    ['fetches when a fresh one lasts exactly the minimum', 59_999, 60_000, 'fetch', false],
    ['keeps the cached one when a fresh one falls short and it keeps exactly half', 25_000, 50_000, 'use', true],
    ['fetches when a fresh one falls short and the cached one keeps one ms under half', 24_999, 50_000, 'fetch', true],
    ['marks a fresh one one ms short of the minimum as falling short', 59_998, 59_999, 'use', true],
    ['fetches for an expired token whose fresh one falls short', -1, 50_000, 'fetch', true],
  ])('%s', (_name, remainingMs, freshMs, action, freshFallsShort) => {
    expect(streamingChoice(token(remainingMs, freshMs), NOW, MIN_MS)).toEqual({ action, freshFallsShort });
  });
});
