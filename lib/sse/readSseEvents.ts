import { createParser } from 'eventsource-parser';

/** One server-sent event (WHATWG HTML, "server-sent events"). */
export interface SseEvent {
  /** The `event` field; `message` when the server named none. */
  event: string;
  /** The `data` lines, joined with line feeds. */
  data: string;
  /** The `id` field, when the event has one. */
  id?: string;
  /** The reconnection time the server asked for (`retry`) before this event, in ms. */
  retry?: number;
}

/**
 * A body to read: a Node stream (axios' `responseType: 'stream'`) or a web stream (`fetch`'s
 * `response.body`); both are async iterables of bytes in Node.
 */
export type SseSource = AsyncIterable<Uint8Array | string>;

/**
 * The events of a `text/event-stream` body, one at a time, parsed by `eventsource-parser`. The
 * iteration ends when the body ends, and throws when it fails or is destroyed (at shutdown, by a
 * caller's abort): a `for await` over it never outlives its stream. Breaking out of the loop
 * releases the body.
 */
export async function* readSseEvents(source: SseSource): AsyncGenerator<SseEvent, void, undefined> {
  const queue: SseEvent[] = [];
  let retry: number | undefined;
  const parser = createParser({
    onEvent: message => {
      queue.push({
        event: message.event ?? 'message',
        data: message.data,
        ...(message.id !== undefined ? { id: message.id } : {}),
        ...(retry !== undefined ? { retry } : {}),
      });
    },
    onRetry: interval => (retry = interval),
  });
  const decoder = new TextDecoder();
  for await (const chunk of source) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) yield queue.shift()!;
  }
  // No final flush: an event ends at a blank line, which the decoder never holds back, so what a
  // flush could add (the bytes of a cut multi-byte character) can never complete one.
}
