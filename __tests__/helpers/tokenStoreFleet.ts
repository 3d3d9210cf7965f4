import { KeycloakTokenManager, type KeycloakTokenManagerOptions } from '../../lib';
import { TokenSealer } from '../../lib/store/TokenSealer';
import { FakeClock } from './FakeClock';
import { MemoryTokenStore } from './MemoryTokenStore';
import { RecordingLogger } from './RecordingLogger';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, TokenEndpointMock } from './tokenEndpointMock';

const binding = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID };
/** 300 s tokens, 60 s buffer: 240 s usable. */
export const USABLE_MS = 240_000;

/** Managers ("replicas") on one clock and one token endpoint, sharing one store. */
export function fleet(options: Partial<KeycloakTokenManagerOptions> = {}) {
  const clock = new FakeClock();
  const endpoint = new TokenEndpointMock();
  const store = new MemoryTokenStore();
  const logger = new RecordingLogger();
  const sealer = new TokenSealer(CLIENT_SECRET, binding);
  const replica = (extra: Partial<KeycloakTokenManagerOptions> = {}) =>
    new KeycloakTokenManager({
      tokenEndpoint: TOKEN_ENDPOINT,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      httpClient: endpoint.http,
      now: clock.now,
      timers: clock,
      logger,
      retry: false,
      refreshAhead: false,
      random: () => 0.5,
      tokenStore: store,
      ...options,
      ...extra,
    });
  /** Puts a sealed entry in the store as another replica would. */
  const plant = (accessToken: string, usableUntil: number, usableLifetimeMs = USABLE_MS) =>
    store.entries.set(sealer.keyName, sealer.seal({ accessToken, usableUntil, usableLifetimeMs }));
  const stored = () => sealer.open(store.entries.get(sealer.keyName));
  return { clock, endpoint, store, logger, sealer, replica, plant, stored };
}
