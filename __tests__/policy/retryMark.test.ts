import { isRetry, markRetry } from '../../lib/policy/retryMark';

describe('retryMark', () => {
  it('marks the object it is given, and returns that object', () => {
    const options = { url: '/agents' };
    expect(markRetry(options)).toBe(options);
    expect(isRetry(options)).toBe(true);
  });

  it('marks a function too', () => {
    const fn = () => undefined;
    expect(isRetry(markRetry(fn))).toBe(true);
    expect(isRetry(() => undefined)).toBe(false);
  });

  it('marks nothing else', () => {
    markRetry({ url: '/agents' });
    expect(isRetry({ url: '/agents' })).toBe(false);
  });

  it('does not carry the mark to a copy', () => {
    const marked = markRetry({ url: '/agents', headers: {} });
    expect(isRetry({ ...marked })).toBe(false);
    expect(isRetry(Object.assign({}, marked))).toBe(false);
    expect(isRetry(structuredClone(marked))).toBe(false);
  });

  it('does not mark an object that inherits from a marked one', () => {
    const marked = markRetry({ url: '/agents' });
    expect(isRetry(Object.create(marked))).toBe(false);
  });

  it('keeps the mark when the object changes', () => {
    const marked = markRetry<{ url: string; headers?: Record<string, string> }>({ url: '/agents' });
    marked.url = '/other';
    marked.headers = { Authorization: 'Bearer token-2' };
    expect(isRetry(marked)).toBe(true);
  });

  it('cannot be forged with a property', () => {
    expect(isRetry({ retry: true, __isRetry: true, _retry: true, kagentiAuth: { retried: true } })).toBe(false);
  });

  it.each([undefined, null, 0, 1, '', 'retry', true, Symbol('retry'), 10n])('says %p is not marked', value => {
    expect(isRetry(value)).toBe(false);
  });

  it('marks an array as any other object', () => {
    expect(isRetry(markRetry([1]))).toBe(true);
    expect(isRetry([1])).toBe(false);
  });
});
