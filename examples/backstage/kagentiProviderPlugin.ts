import type { Readable } from 'node:stream';
import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { kagentiApiClientServiceRef, relayEventStream } from '../../lib/backstage';

// Express 4 does not pass a rejected promise to the error handler by itself.
const route =
  (handler: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };

/**
 * A plugin shaped like the Boost Kagenti provider: lists agents and relays a chat reply's
 * SSE stream, both with the calling user's credentials. Mounted at `/api/kagenti-provider`.
 */
export const kagentiProviderPlugin = createBackendPlugin({
  pluginId: 'kagenti-provider',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        kagenti: kagentiApiClientServiceRef,
      },
      async init({ httpRouter, httpAuth, kagenti }) {
        const router = express.Router();
        router.use(express.json());

        router.get(
          '/agents',
          route(async (req, res) => {
            const namespace = typeof req.query.namespace === 'string' ? req.query.namespace : 'default';
            const response = await kagenti.requestCore<{ items: unknown[] }>({
              method: 'GET',
              path: '/api/v1/agents',
              query: { namespace },
              credentials: await httpAuth.credentials(req),
            });
            res.json({ agents: response.data.items });
          }),
        );

        router.post(
          '/chat',
          route(async (req, res) => {
            const { message, agent } = req.body as { message?: unknown; agent?: unknown };
            if (typeof message !== 'string' || typeof agent !== 'string') {
              throw new InputError('message and agent must be strings');
            }
            // A browser that goes away before Kagenti answers cancels the request (relayEventStream covers after).
            const disconnected = new AbortController();
            res.on('close', () => disconnected.abort());
            const response = await kagenti.requestCore<Readable>({
              method: 'POST',
              path: `/api/v1/agents/${encodeURIComponent(agent)}/chat/stream`,
              body: { message },
              stream: true,
              credentials: await httpAuth.credentials(req),
              signal: disconnected.signal,
            });
            // Ends with either side, also when the backend stops (never `.pipe()`); its `no-transform` keeps
            // Backstage's gzip from holding events back; it never throws (once events flow, no error response can follow).
            await relayEventStream(response.data, res);
          }),
        );

        httpRouter.use(router);
      },
    });
  },
});
