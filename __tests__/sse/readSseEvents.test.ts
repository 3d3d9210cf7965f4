import { PassThrough, Readable } from 'node:stream';
import { readSseEvents, type SseEvent } from '../../lib';
import { startScriptedServer } from '../helpers/scriptedServer';

async function collect(source: Parameters<typeof readSseEvents>[0]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(source)) events.push(event);
  return events;
}

describe('readSseEvents', () => {
  it('parses events split anywhere across chunks, with names, ids, retry, multi-line data and CRLF', async () => {
    const text = ': a comment\r\nretry: 1500\r\nevent: status\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: plain\n\n';
    const chunks = [...Buffer.from(text)].map(byte => Buffer.from([byte]));
    expect(await collect(Readable.from(chunks))).toStrictEqual([
      { event: 'status', data: '{"a":\n1}', id: '7', retry: 1500 },
      { event: 'message', data: 'plain', retry: 1500 },
    ]);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('data: héllo ✓\n\n');
    const at = bytes.indexOf(Buffer.from('✓')) + 1;
    expect(await collect(Readable.from([bytes.subarray(0, at), bytes.subarray(at)]))).toStrictEqual([
      { event: 'message', data: 'héllo ✓' },
    ]);
  });

  it('takes text chunks as they are', async () => {
    expect(await collect(Readable.from(['event: a\ndata: 1\n\n', 'data: 2\n\n'], { objectMode: true }))).toStrictEqual([
      { event: 'a', data: '1' },
      { event: 'message', data: '2' },
    ]);
  });

  it('yields nothing for an event the body ends in the middle of', async () => {
    expect(await collect(Readable.from([Buffer.from('data: whole\n\ndata: cut off')]))).toStrictEqual([
      { event: 'message', data: 'whole' },
    ]);
  });

  it('reads a fetch body (a web stream) from a real server', async () => {
    const server = await startScriptedServer(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: 'event: hello\ndata: world\n\n',
    }));
    try {
      const response = await fetch(`${server.url}/events`);
      expect(await collect(response.body!)).toStrictEqual([{ event: 'hello', data: 'world' }]);
    } finally {
      await server.close();
    }
  });

  it('throws when the stream fails, after the events before it', async () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of readSseEvents(stream)) seen.push(event.data);
    })();
    stream.write('data: first\n\n');
    await new Promise(resolve => setImmediate(resolve));
    stream.destroy(new Error('upstream reset'));
    await expect(reading).rejects.toThrow('upstream reset');
    expect(seen).toStrictEqual(['first']);
  });

  it('throws when the stream is destroyed without an error (shutdown), so a loop over it never hangs', async () => {
    const stream = new PassThrough();
    const reading = collect(stream);
    stream.destroy();
    await expect(reading).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('destroys the stream when the loop breaks', async () => {
    const stream = new PassThrough();
    stream.write('data: one\n\ndata: two\n\n');
    for await (const event of readSseEvents(stream)) {
      expect(event.data).toBe('one');
      break;
    }
    expect(stream.destroyed).toBe(true);
  });
});
