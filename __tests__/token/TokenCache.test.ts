import { TokenCache, type CachedToken } from '../../lib/token/TokenCache';

const token = (accessToken: string, usableUntil = 10_000): CachedToken => ({ accessToken, usableUntil, usableLifetimeMs: 5_000 });

describe('TokenCache', () => {
  it('starts with no token and none rejected', () => {
    const cache = new TokenCache();
    expect(cache.token).toBeUndefined();
    expect(cache.rejected).toBeUndefined();
    expect(cache.usable(0)).toBeUndefined();
  });

  describe('usable', () => {
    it('hands out the filled token up to one ms before usableUntil', () => {
      const cache = new TokenCache();
      const filled = token('token-1', 10_000);
      cache.fill(filled);
      expect(cache.usable(9_999)).toBe(filled);
    });

    it('hands out nothing from usableUntil on, while still holding the token', () => {
      const cache = new TokenCache();
      const filled = token('token-1', 10_000);
      cache.fill(filled);
      expect(cache.usable(10_000)).toBeUndefined();
      expect(cache.token).toBe(filled);
    });
  });

  it('replaces the token on fill', () => {
    const cache = new TokenCache();
    cache.fill(token('token-1'));
    const newer = token('token-2');
    cache.fill(newer);
    expect(cache.token).toBe(newer);
  });

  describe('reject', () => {
    it('drops the cached token when it is the one rejected, and says so', () => {
      const cache = new TokenCache();
      cache.fill(token('token-1'));
      expect(cache.reject('token-1', 0)).toBe(true);
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-1');
    });

    it('keeps a newer cached token when an older one is rejected, and remembers the older one', () => {
      const cache = new TokenCache();
      const newer = token('token-2');
      cache.fill(newer);
      expect(cache.reject('token-1', 0)).toBe(false);
      expect(cache.token).toBe(newer);
      expect(cache.rejected).toBe('token-1');
    });

    it('remembers the rejected token when nothing is cached', () => {
      const cache = new TokenCache();
      expect(cache.reject('token-1', 0)).toBe(false);
      expect(cache.rejected).toBe('token-1');
    });

    it('remembers only the last token rejected', () => {
      const cache = new TokenCache();
      cache.reject('token-1', 0);
      cache.reject('token-2', 0);
      expect(cache.rejected).toBe('token-2');
    });
  });

  describe('dropAll', () => {
    it('drops the cached token and remembers it as rejected', () => {
      const cache = new TokenCache();
      cache.reject('token-0', 0);
      cache.fill(token('token-1'));
      cache.dropAll(0);
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-1');
    });

    it('leaves the rejected token as it was when nothing is cached', () => {
      const cache = new TokenCache();
      cache.reject('token-0', 0);
      cache.dropAll(0);
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-0');
    });
  });

  describe('the adoption floor', () => {
    it('starts below any time', () => {
      expect(new TokenCache().floor).toBe(-Infinity);
    });

    it('rises to when the rejected token was taken in', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-1'), takenAt: 7_000 });
      cache.reject('token-1', 0);
      expect(cache.floor).toBe(7_000);
    });

    it('rises to when the token was issued when it does not say when it was taken in', () => {
      const cache = new TokenCache();
      cache.fill(token('token-1', 10_000));
      cache.reject('token-1', 0);
      expect(cache.floor).toBe(5_000);
    });

    it('rises on dropAll as on a rejection', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-1'), takenAt: 7_000 });
      cache.dropAll(0);
      expect(cache.floor).toBe(7_000);
    });

    it('stays where it was for a rejection of a token that is not the cached one', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-2'), takenAt: 7_000 });
      cache.reject('token-1', 90_000);
      expect(cache.floor).toBe(-Infinity);
    });

    it('never falls: a later rejection of a token taken in earlier leaves it', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-2'), takenAt: 9_000 });
      cache.reject('token-2', 0);
      cache.fill({ ...token('token-1'), takenAt: 8_000 });
      cache.reject('token-1', 0);
      expect(cache.floor).toBe(9_000);
    });

    it('rises to 1 s (PEER_REPAIR_WINDOW_MS) before the rejection when that is later than the take-in', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-1'), takenAt: 7_000 });
      cache.reject('token-1', 50_000);
      expect(cache.floor).toBe(49_000);
    });

    it('rises on dropAll to the window before the drop as on a rejection', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-1'), takenAt: 7_000 });
      cache.dropAll(60_000);
      expect(cache.floor).toBe(59_000);
    });

    it('keeps the take-in time when the rejection comes within the window after it', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-1'), takenAt: 7_000 });
      cache.reject('token-1', 7_500);
      expect(cache.floor).toBe(7_000);
    });

    it('stays where it was when close empties the cache', () => {
      const cache = new TokenCache();
      cache.fill({ ...token('token-1'), takenAt: 7_000 });
      cache.empty();
      expect(cache.floor).toBe(-Infinity);
    });
  });

  describe('empty', () => {
    it('drops the cached token without judging it', () => {
      const cache = new TokenCache();
      cache.reject('token-0', 0);
      cache.fill(token('token-1'));
      cache.empty();
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-0');
    });
  });
});
