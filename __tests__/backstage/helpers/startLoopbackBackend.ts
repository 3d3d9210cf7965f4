import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendFeature } from '@backstage/backend-plugin-api';
// The backend startTestBackend builds on; @backstage/backend-defaults' createBackend loads jose 6
// (ESM only), which jest cannot require.
import { createSpecializedBackend } from '@backstage/backend-app-api';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';

export interface LoopbackBackend {
  backend: ReturnType<typeof createSpecializedBackend>;
  /** The backend's HTTP server, listening on 127.0.0.1 only. */
  server: Server;
  url: string;
}

/**
 * What `startTestBackend` builds (the same `mockServices` factories, so `mockCredentials`
 * headers authenticate), with Backstage's real root HTTP router (`rootHttpRouterServiceFactory`,
 * its error handler included) on 127.0.0.1 and a free port.
 *
 * Not `startTestBackend` itself: it listens on every interface (host ""), and replacing its
 * root HTTP router makes it throw after starting (it reads its own server in `Object.assign`).
 */
export async function startLoopbackBackend(options: {
  features: BackendFeature[];
  config: JsonObject;
  /** Extra service factories, e.g. a logger to assert on. */
  services?: BackendFeature[];
}): Promise<LoopbackBackend> {
  let server: Server | undefined;
  const backend = createSpecializedBackend({
    defaultServiceFactories: [
      mockServices.rootLogger.factory(),
      mockServices.rootLifecycle.factory(),
      mockServices.rootHealth.factory(),
      mockServices.lifecycle.factory(),
      mockServices.logger.factory(),
      mockServices.auth.factory(),
      mockServices.httpAuth.factory(),
      mockServices.httpRouter.factory(),
      mockServices.userInfo.factory(),
      mockServices.cache.factory(),
    ],
  });
  backend.add(
    rootHttpRouterServiceFactory({
      configure(context) {
        server = context.server;
        context.applyDefaults();
      },
    }),
  );
  backend.add(
    mockServices.rootConfig.factory({
      data: { ...options.config, backend: { baseUrl: 'http://127.0.0.1', listen: { host: '127.0.0.1', port: 0 } } },
    }),
  );
  for (const service of options.services ?? []) backend.add(service);
  for (const feature of options.features) backend.add(feature);
  try {
    await backend.start();
  } catch (error) {
    await backend.stop();
    throw error;
  }
  if (!server) throw new Error('the root HTTP router did not start');
  const { address, port } = server.address() as AddressInfo;
  return { backend, server, url: `http://${address}:${port}` };
}
