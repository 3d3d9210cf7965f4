import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A started loopback server whose `close()` also ends open (even hung) connections. */
export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (a free port unless given) and tracks sockets so close() never waits on one. */
export async function listenOnLoopback(server: Server, port = 0): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  server.on('connection', socket => {
    sockets.add(socket);
    // Stryker disable next-line StringLiteral,ArrowFunction: a closed socket kept only costs memory; destroying it again is a no-op
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () => {
      closing ??= new Promise<void>(resolve => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
