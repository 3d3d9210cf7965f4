import { SharedTokenStore } from '../store/SharedTokenStore';
import { createTokenTelemetry } from '../telemetry/createTokenTelemetry';
import type { MeterLike } from '../telemetry/MeterLike';
import type { TokenTelemetry } from '../telemetry/TokenTelemetry';
import type { TracerLike } from '../telemetry/TracerLike';
import { FailureMemory } from './FailureMemory';
import type { ManagerSettings } from './managerOptions';
import { SingleFlight } from './SingleFlight';
import { type CachedToken, TokenCache } from './TokenCache';
import { TokenSupplier } from './TokenSupplier';
import { TokenWarnings } from './TokenWarnings';

/** The parts a token manager is a facade over. */
export interface ManagerParts {
  cache: TokenCache;
  flights: SingleFlight<CachedToken>;
  failures: FailureMemory;
  supplier: TokenSupplier;
  warnings: TokenWarnings;
  telemetry: TokenTelemetry;
  store?: SharedTokenStore | undefined;
}

/** Builds and wires a manager's parts from its checked settings. */
export function createManagerParts(
  settings: ManagerSettings,
  observers: { meter?: MeterLike | undefined; tracer?: TracerLike | undefined },
): ManagerParts {
  const cache = new TokenCache();
  const flights = new SingleFlight<CachedToken>();
  const warnings = new TokenWarnings(settings.logger, settings.clientId);
  const telemetry = createTokenTelemetry({
    ...observers,
    clientId: settings.clientId,
    remainingSeconds: () => Math.max(0, ((cache.token?.usableUntil ?? 0) - settings.now()) / 1000),
  });
  const store =
    settings.store &&
    new SharedTokenStore({
      ...settings.store,
      // An absent scope and an undefined one seal alike.
      binding: { tokenEndpoint: settings.tokenEndpoint, clientId: settings.clientId, scope: settings.scope },
      timers: settings.timers,
      now: settings.now,
      ...(settings.logger ? { logger: settings.logger } : {}),
    });
  const failures = new FailureMemory(settings.failureCooldownMs, settings.now);
  const supplier = new TokenSupplier({
    fetch: settings,
    bufferMs: settings.bufferMs,
    cache,
    failures,
    store,
    mayWrite: flight => flights.mayWrite(flight),
    warnings,
    logger: settings.logger,
  });
  return {
    cache,
    flights,
    failures,
    supplier,
    warnings,
    telemetry,
    store,
  };
}
