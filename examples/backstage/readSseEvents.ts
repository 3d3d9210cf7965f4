import type { Readable } from 'node:stream';

/** One server-sent event: its `event` field (default `message`) and its `data` lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Reads a `text/event-stream` body to its end, one event at a time (comments and ids are skipped). */
export async function* readSseEvents(stream: Readable): AsyncGenerator<SseEvent> {
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = 'message';
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      } else if (line.startsWith('event:')) {
        event = line.slice(6).trim();
      }
    }
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}
