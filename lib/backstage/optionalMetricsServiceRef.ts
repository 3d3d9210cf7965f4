import { createServiceFactory, createServiceRef } from '@backstage/backend-plugin-api';
import { metricsServiceRef, type MetricsService } from '@backstage/backend-plugin-api/alpha';

/**
 * The backend's alpha `MetricsService` when it provides one, `undefined` when it does not.
 *
 * Backstage has no optional dependencies, but it resolves a dependency by its id and uses a
 * ref's default factory only when no factory for that id was added. This ref shares the id of
 * `metricsServiceRef` and defaults to `undefined`, so a backend without a metrics service still
 * starts (and the token manager falls back to the global OpenTelemetry meter).
 */
export const optionalMetricsServiceRef = createServiceRef<MetricsService | undefined>({
  id: metricsServiceRef.id,
  scope: 'plugin',
  defaultFactory: service => Promise.resolve(createServiceFactory({ service, deps: {}, factory: () => undefined })),
});
