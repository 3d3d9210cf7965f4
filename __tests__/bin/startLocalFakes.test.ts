import { createServer } from 'node:http';
import { startLocalFakes } from '../../lib/bin/startLocalFakes';
import { listenOnLoopback, type LoopbackServer } from '../../lib/testing/listenOnLoopback';
import { rejection } from '../helpers/assertions';

const OPTIONS = { clientId: 'svc', clientSecret: 'dev "secret"', realm: 'team', expiresInSeconds: 60 };

/** A port free a moment ago. */
async function freePort(): Promise<number> {
  const probe = await listenOnLoopback(createServer());
  await probe.close();
  return probe.port;
}

describe('startLocalFakes', () => {
  it('starts the three servers and prints app-config pointing at them, the secret as a YAML string', async () => {
    const fakes = await startLocalFakes({ keycloakPort: 0, kagentiPort: 0, controlPort: 0, ...OPTIONS });
    try {
      expect(fakes.appConfig).toBe(
        [
          'boost:',
          '  kagenti:',
          '    auth:',
          `      tokenEndpoint: "${fakes.keycloak.tokenEndpoint}"`,
          '      clientId: "svc"',
          '      clientSecret: "dev \\"secret\\""',
          '  providers:',
          '    kagenti:',
          `      baseUrl: "${fakes.kagenti.url}"`,
          '',
        ].join('\n'),
      );
      expect(fakes.keycloak.tokenEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/team\/protocol\/openid-connect\/token$/);
      expect(fakes.controlUrl).toBe(`${fakes.control.url}/_control`);
    } finally {
      await fakes.close();
    }
  });

  it('makes the fake Kagenti API take only the fake Keycloak’s active tokens', async () => {
    const fakes = await startLocalFakes({ keycloakPort: 0, kagentiPort: 0, controlPort: 0, ...OPTIONS });
    try {
      fakes.kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
      const answer = await fetch(`${fakes.kagenti.url}/api/v1/agents`, { headers: { authorization: 'Bearer made-up' } });

      expect(answer.status).toBe(401);
    } finally {
      await fakes.close();
    }
  });

  describe('when a port is taken', () => {
    let taken: LoopbackServer;
    beforeEach(async () => {
      taken = await listenOnLoopback(createServer());
    });
    afterEach(() => taken.close());

    it('rejects with EADDRINUSE and closes the servers it had started', async () => {
      const keycloakPort = await freePort();

      const error = await rejection<NodeJS.ErrnoException>(
        startLocalFakes({ keycloakPort, kagentiPort: 0, controlPort: taken.port, ...OPTIONS }),
      );

      expect(error.code).toBe('EADDRINUSE');
      const again = await listenOnLoopback(createServer(), keycloakPort);
      await again.close();
    });
  });
});
