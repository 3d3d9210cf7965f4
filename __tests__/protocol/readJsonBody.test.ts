import { readJsonBody } from '../../lib/protocol/readJsonBody';

const toArrayBuffer = (text: string): ArrayBuffer => {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

describe('readJsonBody', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['white space', ' \r\n\t'],
    ['an empty Buffer', Buffer.alloc(0)],
    ['a Buffer of white space', Buffer.from('  \n')],
    ['an empty ArrayBuffer', new ArrayBuffer(0)],
  ])('calls %s empty', (_name, data) => {
    expect(readJsonBody(data)).toEqual({ kind: 'empty' });
  });

  it.each([
    ['a string', '{"access_token":"token-1"}'],
    ['a Buffer', Buffer.from('{"access_token":"token-1"}')],
    ['an ArrayBuffer', toArrayBuffer('{"access_token":"token-1"}')],
    ['text with white space around it', '\n {"access_token":"token-1"} \n'],
  ])('parses JSON text from %s', (_name, data) => {
    expect(readJsonBody(data)).toEqual({ kind: 'json', value: { access_token: 'token-1' } });
  });

  it('reads a Buffer as UTF-8', () => {
    expect(readJsonBody(Buffer.from('{"error_description":"Ungültig"}', 'utf8'))).toEqual({
      kind: 'json',
      value: { error_description: 'Ungültig' },
    });
  });

  it.each(['null', '0', '"text"', '[]'])('parses the JSON %s as it is, not as empty', text => {
    expect(readJsonBody(text)).toEqual({ kind: 'json', value: JSON.parse(text) });
  });

  it.each([
    ['HTML', '<html>login</html>'],
    ['truncated JSON', '{"access_token":'],
    ['a form', 'access_token=token-1'],
  ])('calls %s not JSON', (_name, text) => {
    expect(readJsonBody(text)).toEqual({ kind: 'not-json' });
    expect(readJsonBody(Buffer.from(text))).toEqual({ kind: 'not-json' });
  });

  it('takes any other value as already parsed, keeping it as it is', () => {
    const parsed = { access_token: 'token-1' };
    const body = readJsonBody(parsed);
    expect(body).toEqual({ kind: 'json', value: parsed });
    expect(body.kind === 'json' && body.value).toBe(parsed);
    expect(readJsonBody(42)).toEqual({ kind: 'json', value: 42 });
    expect(readJsonBody(false)).toEqual({ kind: 'json', value: false });
  });
});
