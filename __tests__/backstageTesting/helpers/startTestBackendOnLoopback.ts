import { Server } from 'node:net';
import type { BackendFeature } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';

/**
 * Backstage's own `startTestBackend`, with its HTTP server on 127.0.0.1 rather than on every
 * interface: it listens with host "" and takes no option for that, so the host is rewritten at
 * `listen` for the duration of the start (the tests of this repository bind nothing else).
 */
export async function startTestBackendOnLoopback(features: Array<BackendFeature | Promise<{ default: BackendFeature }>>) {
  const listen = Server.prototype.listen;
  const spy = jest.spyOn(Server.prototype, 'listen').mockImplementation(function (this: Server, ...args: unknown[]) {
    if (typeof args[0] === 'number' && args[1] === '') args[1] = '127.0.0.1';
    return listen.apply(this, args as Parameters<Server['listen']>);
  });
  try {
    const backend = await startTestBackend({ features });
    const address = backend.server.address();
    if (typeof address !== 'object' || address?.address !== '127.0.0.1') {
      await backend.stop();
      throw new Error(`the test backend listens on ${JSON.stringify(address)}, not on 127.0.0.1`);
    }
    return backend;
  } finally {
    spy.mockRestore();
  }
}
