/** A token endpoint's body, read as JSON: empty, not JSON, or the parsed value. */
export type JsonBody = { kind: 'empty' } | { kind: 'not-json' } | { kind: 'json'; value: unknown };

/**
 * Reads a body as JSON so that HTML and empty bodies can be told apart: text (a string, Buffer
 * or ArrayBuffer) is parsed; any other object (from a mock adapter) is taken as parsed.
 */
export function readJsonBody(data: unknown): JsonBody {
  if (data === undefined || data === null) return { kind: 'empty' };
  const text = bodyText(data);
  if (text === undefined) return { kind: 'json', value: data };
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'not-json' };
  }
}

function bodyText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return undefined;
}
