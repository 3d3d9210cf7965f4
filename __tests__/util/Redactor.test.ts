import { Redactor } from '../../lib/util/Redactor';

describe('Redactor', () => {
  it('replaces every occurrence of a secret', () => {
    expect(new Redactor().add('s3cret').redact('a s3cret, another s3cret')).toBe('a [REDACTED], another [REDACTED]');
  });

  it('replaces each of several secrets', () => {
    expect(new Redactor().add('alpha', 'beta').redact('alpha and beta')).toBe('[REDACTED] and [REDACTED]');
  });

  it('leaves text without a secret as it is', () => {
    expect(new Redactor().add('s3cret').redact('nothing to hide')).toBe('nothing to hide');
  });

  it('leaves text as it is when it knows no secret', () => {
    expect(new Redactor().redact('anything')).toBe('anything');
  });

  it('redacts even a one-character secret', () => {
    expect(new Redactor().add('x').redact('axb')).toBe('a[REDACTED]b');
  });

  it.each([
    ['in one call', (r: Redactor) => r.add('abc', 'abcdef')],
    ['added later', (r: Redactor) => r.add('abc').add('abcdef')],
    ['added earlier', (r: Redactor) => r.add('abcdef').add('abc')],
  ])('replaces a longer secret whole, not half by a shorter one it contains (%s)', (_name, add) => {
    expect(add(new Redactor()).redact('<abcdef> <abc>')).toBe('<[REDACTED]> <[REDACTED]>');
  });

  it.each([undefined, ''])('ignores %p instead of redacting between every character', value => {
    expect(new Redactor().add(value).redact('text')).toBe('text');
  });

  it('returns itself from add, for chaining', () => {
    const redactor = new Redactor();
    expect(redactor.add('s3cret')).toBe(redactor);
  });

  it('treats a secret as literal text, not as a pattern', () => {
    expect(new Redactor().add('a.c').redact('abc a.c')).toBe('abc [REDACTED]');
  });
});
