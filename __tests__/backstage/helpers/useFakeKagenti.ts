import type { JsonObject } from '@backstage/types';
import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../../../lib/testing';

/**
 * The testing entry's fake Keycloak and Kagenti API for one test file (started in beforeAll,
 * closed in afterAll), with `GET /api/v1/agents` answering an empty list, and the app-config
 * that points a plugin at them.
 */
export function useFakeKagenti() {
  let keycloak: FakeKeycloak | undefined;
  let kagenti: FakeKagentiApi | undefined;
  beforeAll(async () => {
    keycloak = await startFakeKeycloak();
    kagenti = await startFakeKagentiApi({ tokens: keycloak });
    kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
  });
  afterAll(async () => {
    await kagenti?.close();
    await keycloak?.close();
  });
  const started = <T>(server: T | undefined): T => {
    if (server === undefined) throw new Error('the fakes start in beforeAll');
    return server;
  };
  return {
    keycloak: () => started(keycloak),
    kagenti: () => started(kagenti),
    /** app-config with `boost.kagenti.auth` (the fake Keycloak's, or `auth`; `null` for none) and the base URL. */
    config: (auth: JsonObject | null = started(keycloak).authConfig()): JsonObject => ({
      boost: { kagenti: auth ? { auth } : {}, providers: { kagenti: { baseUrl: started(kagenti).url } } },
    }),
  };
}
