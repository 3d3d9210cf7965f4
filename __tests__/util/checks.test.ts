import {
  checkNonEmptyString,
  checkNumber,
  checkObject,
  describeRange,
  isNumberIn,
  type NumberRange,
} from '../../lib/util/checks';

/** What `run` threw; fails the test when it returns. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** Asserts that `run` throws a TypeError with exactly `message`. */
function expectTypeError(run: () => unknown, message: string): void {
  const error = thrown(run);
  expect(error).toBeInstanceOf(TypeError);
  expect((error as TypeError).message).toBe(message);
}

describe('isNumberIn', () => {
  describe('with a least value only', () => {
    const range: NumberRange = { min: 1 };

    it.each([
      [1, true],
      [0.999, false],
      [Number.MAX_VALUE, true],
    ])('%p is %p', (value, expected) => {
      expect(isNumberIn(value, range)).toBe(expected);
    });
  });

  describe('with a least and a greatest value', () => {
    const range: NumberRange = { min: 1, max: 60 };

    it.each([
      [1, true],
      [0, false],
      [60, true],
      [60.5, false],
      [61, false],
    ])('%p is %p', (value, expected) => {
      expect(isNumberIn(value, range)).toBe(expected);
    });
  });

  it('takes a greatest value of 0 as a bound, not as "no bound"', () => {
    expect(isNumberIn(0, { min: -5, max: 0 })).toBe(true);
    expect(isNumberIn(1, { min: -5, max: 0 })).toBe(false);
  });

  describe('when only whole numbers are allowed', () => {
    const range: NumberRange = { min: 0, whole: true };

    it.each([
      [0, true],
      [2, true],
      [2.5, false],
      [Number.MAX_SAFE_INTEGER, true],
      [Number.MAX_SAFE_INTEGER + 1, false],
    ])('%p is %p', (value, expected) => {
      expect(isNumberIn(value, range)).toBe(expected);
    });
  });

  it.each([{ min: 0 }, { min: 0, whole: false }])('takes fractions when whole is not asked for (%p)', range => {
    expect(isNumberIn(2.5, range)).toBe(true);
    expect(isNumberIn(Number.MAX_SAFE_INTEGER + 1, range)).toBe(true);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a numeric string', '5'],
    ['a bigint', 5n],
    ['null', null],
    ['undefined', undefined],
    ['a boxed number', Object(5)],
    ['a boolean', true],
  ])('refuses %s, even with no bounds that would exclude it', (_name, value) => {
    expect(isNumberIn(value, { min: Number.NEGATIVE_INFINITY })).toBe(false);
  });
});

describe('describeRange', () => {
  it.each<[NumberRange, string]>([
    [{ min: 0 }, 'a finite number of at least 0'],
    [{ min: 1, whole: true }, 'a whole number of at least 1'],
    [{ min: 1, max: 60 }, 'a finite number from 1 to 60'],
    [{ min: 1, max: 60, whole: true }, 'a whole number from 1 to 60'],
    [{ min: -5, max: 0 }, 'a finite number from -5 to 0'],
    [{ min: 0.5, max: 1.5, whole: false }, 'a finite number from 0.5 to 1.5'],
  ])('describes %p as "%s"', (range, text) => {
    expect(describeRange(range)).toBe(text);
  });
});

describe('checkNumber', () => {
  const range: NumberRange = { min: 1, max: 60, whole: true };

  it('returns a number in range as it is, at both ends', () => {
    expect(checkNumber('assertionLifetimeSeconds', 1, range)).toBe(1);
    expect(checkNumber('assertionLifetimeSeconds', 60, range)).toBe(60);
  });

  it.each([0, 61, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '30', undefined])(
    'throws a TypeError naming the option and the range for %p',
    value => {
      expectTypeError(
        () => checkNumber('assertionLifetimeSeconds', value, range),
        'assertionLifetimeSeconds must be a whole number from 1 to 60',
      );
    },
  );

  it('never quotes the value it refused', () => {
    expectTypeError(
      () => checkNumber('timeoutMs', 987654, { min: 0, max: 10 }),
      'timeoutMs must be a finite number from 0 to 10',
    );
  });
});

describe('checkNonEmptyString', () => {
  it.each(['a', ' ', 'client-id'])('returns %p as it is', value => {
    expect(checkNonEmptyString('clientId', value)).toBe(value);
  });

  it.each(['', undefined, null, 5, {}, ['a']])('throws a TypeError for %p', value => {
    expectTypeError(() => checkNonEmptyString('clientId', value), 'clientId must be a non-empty string');
  });
});

describe('checkObject', () => {
  it.each([{}, [], new Map()])('returns the object %p itself', value => {
    expect(checkObject('httpClient', value)).toBe(value);
  });

  it.each([null, undefined, 'object', 5, () => ({})])('throws a TypeError for %p', value => {
    expectTypeError(() => checkObject('httpClient', value), 'httpClient must be an object');
  });
});
