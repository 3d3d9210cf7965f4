/**
 * The once-only mark of a request's 401 retry. Only this module can mark a value, and a mark
 * cannot be removed: a caller cannot forge one (to stop the retry) nor clear one (to loop). A
 * transport marks the options object it builds for the retry and asks about it on the next 401.
 */
const marked = new WeakSet<object>();

/** Marks `value` as a retry's own options, for good. */
export function markRetry<T extends object>(value: T): T {
  marked.add(value);
  return value;
}

/** Whether `value` was marked by {@link markRetry}; false for anything that is not an object. */
export function isRetry(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && marked.has(value);
}
