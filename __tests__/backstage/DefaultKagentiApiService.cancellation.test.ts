import { AxiosError, CanceledError } from 'axios';
import { KagentiApiClient, KeycloakTokenManager, ManagerClosedError } from '../../lib';
import { DefaultKagentiApiService, toBackstageError } from '../../lib/backstage';
import type { FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';

let keycloak: FakeKeycloak;
const fakes = useFakeKagenti();
beforeAll(() => {
  keycloak = fakes.keycloak();
});
afterEach(() => keycloak.setFault({ mode: 'none' }));

function service() {
  const manager = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false });
  return new DefaultKagentiApiService(new KagentiApiClient({ baseUrl: fakes.kagenti().url, tokenManager: manager }));
}

describe('DefaultKagentiApiService: who cancelled', () => {
  it('says the service is shutting down when close() ends a request waiting for its token', async () => {
    keycloak.setFault({ mode: 'hang' });
    const kagenti = service();
    const pending = kagenti.requestCore({ method: 'GET', path: '/api/v1/agents' }).catch((e: unknown) => e);
    await new Promise(resolve => setImmediate(resolve));
    kagenti.close();
    const error = (await pending) as Error;
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe(
      'Kagenti API request GET /api/v1/agents cancelled: the Kagenti service is shutting down (the backend is stopping)',
    );
  });

  it("says the caller cancelled when the caller's signal ends the request, for requestCore and fetch", async () => {
    keycloak.setFault({ mode: 'hang' });
    const kagenti = service();
    try {
      for (const send of [
        (signal: AbortSignal) => kagenti.requestCore({ method: 'GET', path: '/api/v1/agents', signal }),
        (signal: AbortSignal) => kagenti.fetch('/api/v1/agents', { signal }),
      ]) {
        const controller = new AbortController();
        const pending = send(controller.signal).catch((e: unknown) => e);
        controller.abort();
        expect(((await pending) as Error).message).toBe('Kagenti API request GET /api/v1/agents cancelled: by the caller');
      }
    } finally {
      kagenti.close();
    }
  });
});

describe('toBackstageError with cancelledBy', () => {
  const request = { method: 'post', path: '/api/v1/x?secret=1', cancelledBy: 'shutdown' as const };

  it.each([
    ['an axios cancel', new CanceledError()],
    ['an AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['a closed token manager', new ManagerClosedError()],
  ])('names the canceller for %s', (_name, error) => {
    expect(toBackstageError(error, request).message).toBe(
      'Kagenti API request POST /api/v1/x cancelled: the Kagenti service is shutting down (the backend is stopping)',
    );
  });

  it('maps any other failure as without it', () => {
    const error = new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED');
    expect(toBackstageError(error, request).message).toBe(
      'Kagenti API request POST /api/v1/x failed: no answer from Kagenti (ECONNREFUSED)',
    );
  });
});
