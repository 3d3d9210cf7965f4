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
      expect(cache.reject('token-1')).toBe(true);
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-1');
    });

    it('keeps a newer cached token when an older one is rejected, and remembers the older one', () => {
      const cache = new TokenCache();
      const newer = token('token-2');
      cache.fill(newer);
      expect(cache.reject('token-1')).toBe(false);
      expect(cache.token).toBe(newer);
      expect(cache.rejected).toBe('token-1');
    });

    it('remembers the rejected token when nothing is cached', () => {
      const cache = new TokenCache();
      expect(cache.reject('token-1')).toBe(false);
      expect(cache.rejected).toBe('token-1');
    });

    it('remembers only the last token rejected', () => {
      const cache = new TokenCache();
      cache.reject('token-1');
      cache.reject('token-2');
      expect(cache.rejected).toBe('token-2');
    });
  });

  describe('dropAll', () => {
    it('drops the cached token and remembers it as rejected', () => {
      const cache = new TokenCache();
      cache.reject('token-0');
      cache.fill(token('token-1'));
      cache.dropAll();
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-1');
    });

    it('leaves the rejected token as it was when nothing is cached', () => {
      const cache = new TokenCache();
      cache.reject('token-0');
      cache.dropAll();
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-0');
    });
  });

  describe('empty', () => {
    it('drops the cached token without judging it', () => {
      const cache = new TokenCache();
      cache.reject('token-0');
      cache.fill(token('token-1'));
      cache.empty();
      expect(cache.token).toBeUndefined();
      expect(cache.rejected).toBe('token-0');
    });
  });
});
