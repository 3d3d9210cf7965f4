import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { listenOnLoopback, type LoopbackServer } from '../../lib/testing/listenOnLoopback';
import { rejection } from '../helpers/assertions';

describe('listenOnLoopback', () => {
  const started: LoopbackServer[] = [];
  const listen = async (server: Server, port?: number): Promise<LoopbackServer> => {
    const listening = await listenOnLoopback(server, port);
    started.push(listening);
    return listening;
  };

  afterEach(async () => {
    for (const listening of started.splice(0)) await listening.close();
  });

  it('listens on 127.0.0.1 only, IPv4, at a free port named in its URL', async () => {
    const server = createServer();

    const listening = await listen(server);

    expect(server.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: listening.port });
    expect(listening.port).toBeGreaterThan(0);
    expect(listening.url).toBe(`http://127.0.0.1:${listening.port}`);
  });

  it('rejects with the listen error when the port is taken', async () => {
    const taken = await listen(createServer());

    const error = await rejection<NodeJS.ErrnoException>(listenOnLoopback(createServer(), taken.port));

    expect(error.code).toBe('EADDRINUSE');
  });

  it('leaves no error listener of its own behind once listening', async () => {
    const server = createServer();
    await listen(server);

    expect(() => server.emit('error', new Error('later failure'))).toThrow('later failure');
  });

  it('closes with an open connection that never sent a request, and returns one promise however often called', async () => {
    const server = createServer();
    const listening = await listen(server);
    const socket = connect(listening.port, '127.0.0.1');
    await new Promise<void>(resolve => socket.once('connect', () => resolve()));
    const socketClosed = new Promise<void>(resolve => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);

    const closing = listening.close();

    expect(listening.close()).toBe(closing);
    await closing;
    await socketClosed;
    expect(server.listening).toBe(false);
  });
});
