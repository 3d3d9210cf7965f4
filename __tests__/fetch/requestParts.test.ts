import { joinUrl, requestParts } from '../../lib/fetch/requestParts';

describe('requestParts', () => {
  it('upper-cases the method, defaults it to GET, and keeps the per-request options apart', async () => {
    const parts = await requestParts('/a', { method: 'post', body: 'x', kagentiAuth: { skip: true } }, 'https://k.test');
    expect(parts.init.method).toBe('POST');
    expect(parts.options).toEqual({ skip: true });
    expect('kagentiAuth' in parts.init).toBe(false);
    expect((await requestParts('/a', undefined, 'https://k.test')).init.method).toBe('GET');
  });

  it("reads a Request's body into memory, but not when init gives a body of its own", async () => {
    const withBody = new Request('https://k.test/x', { method: 'PUT', body: 'from request' });
    const replaced = await requestParts(withBody, { body: 'from init' }, undefined);
    expect(replaced.init.body).toBe('from init');
    expect(withBody.bodyUsed).toBe(false);

    const read = await requestParts(
      new Request('https://k.test/x', { method: 'PUT', body: 'from request' }),
      undefined,
      undefined,
    );
    expect(Buffer.from(read.init.body as ArrayBuffer).toString()).toBe('from request');
    expect(read.replayable).toBe(true);
  });

  it('gives a body-less Request no body', async () => {
    const parts = await requestParts(new Request('https://k.test/x'), undefined, undefined);
    expect(parts.init.body).toBeUndefined();
    expect(parts.url).toBe('https://k.test/x');
  });

  it('joins paths as axios does', () => {
    expect(joinUrl('https://k.test/api/', '/v1/x')).toBe('https://k.test/api/v1/x');
    expect(joinUrl('https://k.test/api', 'v1/x')).toBe('https://k.test/api/v1/x');
  });
});
