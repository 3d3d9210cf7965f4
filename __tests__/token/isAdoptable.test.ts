import { isAdoptable, type AdoptionContext } from '../../lib/token/isAdoptable';
import type { UsableToken } from '../../lib/util/UsableToken';

const NOW = 1_000_000;

const stored = (accessToken: string, usableUntil: number, usableLifetimeMs = 300_000): UsableToken => ({
  accessToken,
  usableUntil,
  usableLifetimeMs,
});
const context = (extra: Partial<AdoptionContext> = {}): AdoptionContext => ({
  now: NOW,
  minRemainingMs: 0,
  floor: -Infinity,
  ...extra,
});

describe('isAdoptable', () => {
  it('adopts a stored token with life left when nothing is cached or rejected here', () => {
    expect(isAdoptable(stored('token-2', NOW + 1), context())).toBe(true);
  });

  it('has nothing to adopt when the store holds nothing', () => {
    expect(isAdoptable(undefined, context())).toBe(false);
  });

  describe('the usable life left', () => {
    it('refuses a token with exactly minRemainingMs left', () => {
      expect(isAdoptable(stored('token-2', NOW + 60_000), context({ minRemainingMs: 60_000 }))).toBe(false);
    });

    it('adopts a token with one ms more than minRemainingMs left', () => {
      expect(isAdoptable(stored('token-2', NOW + 60_001), context({ minRemainingMs: 60_000 }))).toBe(true);
    });

    it('refuses a token that stops being usable now, even with no minimum', () => {
      expect(isAdoptable(stored('token-2', NOW), context())).toBe(false);
    });
  });

  describe('when this process holds a token', () => {
    const cached = stored('token-1', NOW + 100_000);

    it('refuses a stored token that ends when the cached one does', () => {
      expect(isAdoptable(stored('token-2', NOW + 100_000), context({ cached }))).toBe(false);
    });

    it('adopts a stored token that outlives the cached one by one ms', () => {
      expect(isAdoptable(stored('token-2', NOW + 100_001), context({ cached }))).toBe(true);
    });

    it('refuses a stored token that ends before the cached one', () => {
      expect(isAdoptable(stored('token-2', NOW + 99_999), context({ cached }))).toBe(false);
    });

    it('refuses a stored token issued when the cached one was, though it outlives it', () => {
      expect(isAdoptable(stored('token-2', NOW + 100_001, 300_001), context({ cached }))).toBe(false);
    });

    it('refuses an older stored token that outlives the cached one (a longer lifetime)', () => {
      expect(isAdoptable(stored('token-2', NOW + 100_001, 400_000), context({ cached }))).toBe(false);
    });

    it('compares with a cached token that is no longer usable all the same', () => {
      const expired = stored('token-1', NOW - 1);
      expect(isAdoptable(stored('token-2', NOW + 100_000, 400_002), context({ cached: expired }))).toBe(false);
      expect(isAdoptable(stored('token-2', NOW + 100_000), context({ cached: expired }))).toBe(true);
    });
  });

  describe('the adoption floor', () => {
    // Issued at NOW - 200_000.
    const entry = stored('token-2', NOW + 100_000);

    it('refuses a token issued exactly at the floor', () => {
      expect(isAdoptable(entry, context({ floor: NOW - 200_000 }))).toBe(false);
    });

    it('refuses a token issued before the floor, however long it lives', () => {
      expect(isAdoptable(stored('token-2', NOW + 900_000, 2_000_000), context({ floor: NOW - 200_000 }))).toBe(false);
    });

    it('adopts a token issued one ms after the floor', () => {
      expect(isAdoptable(entry, context({ floor: NOW - 200_001 }))).toBe(true);
    });
  });

  describe('when this process saw a token rejected', () => {
    it('refuses that token, however long it lives', () => {
      expect(isAdoptable(stored('token-1', NOW + 300_000), context({ rejected: 'token-1' }))).toBe(false);
    });

    it('adopts another token', () => {
      expect(isAdoptable(stored('token-2', NOW + 300_000), context({ rejected: 'token-1' }))).toBe(true);
    });
  });
});
