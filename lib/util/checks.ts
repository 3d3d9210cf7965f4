/**
 * The checks of caller-given options, in one message style: "<name> must be …". A caller's
 * mistake is a `TypeError` thrown at construction, naming the option and never quoting a value.
 */

/** The range a number option must be in. */
export interface NumberRange {
  /** Least value allowed. */
  min: number;
  /** Greatest value allowed, when there is one. */
  max?: number;
  /** Whole numbers only. */
  whole?: boolean;
}

/** Whether `value` is a number in `range`. */
export function isNumberIn(value: unknown, range: NumberRange): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min) return false;
  if (range.max !== undefined && value > range.max) return false;
  return !range.whole || Number.isSafeInteger(value);
}

/** What a number in `range` is, for a message: "a whole number from 1 to 60", "a finite number of at least 0". */
export function describeRange(range: NumberRange): string {
  const kind = range.whole ? 'a whole number' : 'a finite number';
  return range.max === undefined ? `${kind} of at least ${range.min}` : `${kind} from ${range.min} to ${range.max}`;
}

/** @throws TypeError `<name> must be <range>` */
export function checkNumber(name: string, value: unknown, range: NumberRange): number {
  if (!isNumberIn(value, range)) throw new TypeError(`${name} must be ${describeRange(range)}`);
  return value;
}

/** @throws TypeError `<name> must be a non-empty string` */
export function checkNonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/** @throws TypeError `<name> must be an object` */
export function checkObject(name: string, value: unknown): object {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${name} must be an object`);
  return value;
}
