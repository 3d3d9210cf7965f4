import type { Redactor } from './Redactor';

/**
 * Server-sent text made safe and short enough for a message: secrets redacted, runs of control
 * characters turned into one space, trimmed, and cut after `max` characters (with "…").
 */
export function serverText(text: string, redactor: Redactor, max: number): string {
  const flat = redactor
    .redact(text)
    // Control characters from the server must not reach a log line as they are.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
