import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../testing';
import type { LoopbackServer } from '../testing/listenOnLoopback';
import { appConfigYaml } from './appConfigYaml';
import type { FakesOptions } from './parseFakesOptions';
import { CONTROL_PATH, startControlServer } from './startControlServer';

/** The fakes of `kagenti-auth-fakes`, running. */
export interface LocalFakes {
  keycloak: FakeKeycloak;
  kagenti: FakeKagentiApi;
  control: LoopbackServer;
  /** `http://127.0.0.1:<port>/_control` */
  controlUrl: string;
  /** The app-config pointing a backend at the fakes. */
  appConfig: string;
  /** Stops all three servers, ending open connections. */
  close(): Promise<void>;
}

/**
 * Starts the fake Keycloak, the fake Kagenti API (which takes only the fake Keycloak's active
 * tokens) and the control API. When one cannot start (a port taken), the others are closed again.
 */
export async function startLocalFakes(options: FakesOptions): Promise<LocalFakes> {
  const started: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    await Promise.all(started.map(server => server.close()));
  };
  try {
    const keycloak = await startFakeKeycloak({
      port: options.keycloakPort,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      realm: options.realm,
      expiresInSeconds: options.expiresInSeconds,
    });
    started.push(keycloak);
    const kagenti = await startFakeKagentiApi({ port: options.kagentiPort, tokens: keycloak });
    started.push(kagenti);
    const control = await startControlServer({ keycloak, kagenti }, options.controlPort);
    started.push(control);
    return {
      keycloak,
      kagenti,
      control,
      controlUrl: `${control.url}${CONTROL_PATH}`,
      appConfig: appConfigYaml({ ...keycloak.authConfig(), kagentiBaseUrl: kagenti.url }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
