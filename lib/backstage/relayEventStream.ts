import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** How a relay ended: the upstream ended, the client went away, or the upstream failed or was destroyed (at shutdown). */
export type RelayOutcome = 'ended' | 'client-closed' | 'upstream-failed';

/**
 * Relays a Kagenti event stream (`requestCore({ stream: true })`'s `data`, or a fetch `body`) to a
 * client's response (Express' or Node's), in a way that always ends: SSE headers first (unless
 * already sent), then the bytes as they come, through `pipeline`, so that the client going away
 * destroys the upstream request, and the upstream ending, failing or being destroyed (the Kagenti
 * service does that at backend shutdown) ends the response. Never `.pipe()` a stream into a
 * response: `.pipe()` does not end it when the source is destroyed, and a production backend then
 * waits for that connection at shutdown.
 * @returns how it ended; it never rejects.
 */
export async function relayEventStream(
  upstream: Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  res: ServerResponse,
): Promise<RelayOutcome> {
  if (!res.headersSent) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies such as nginx would otherwise buffer the events.
      'x-accel-buffering': 'no',
    });
  }
  const source =
    upstream instanceof Readable
      ? upstream
      : isWebStream(upstream)
        ? Readable.fromWeb(upstream as never)
        : Readable.from(upstream);
  // Whichever side stopped first names the outcome; the other is then torn down by pipeline.
  let first: RelayOutcome | undefined;
  // A response that closes after finishing has succeeded, and then `first` is not read. A source
  // that fails emits 'close' after 'error', before pipeline has torn the response down.
  res.once('close', () => (first ??= 'client-closed'));
  source.once('close', () => {
    // Stryker disable next-line ConditionalExpression: after the upstream ended, pipeline resolves even when the client then leaves (a response closed after end() counts as done), so `first` is not read
    if (!source.readableEnded) first ??= 'upstream-failed';
  });
  try {
    await pipeline(source, res);
    return 'ended';
  } catch {
    // pipeline has destroyed both; the caller's upstream too when it was wrapped.
    // Stryker disable next-line ConditionalExpression: destroying the source again does nothing
    if (upstream !== source) (upstream as { destroy?: () => void }).destroy?.();
    // Stryker disable next-line ConditionalExpression: pipeline has destroyed it already, unless it ended before the response failed
    if (!source.destroyed) source.destroy();
    return first ?? 'upstream-failed';
  }
}

// Stryker disable BlockStatement,ConditionalExpression,OptionalChaining,StringLiteral: Readable.from iterates a web stream as well (and cancels it when destroyed); fromWeb keeps it in byte mode
function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream | undefined)?.getReader === 'function';
}
