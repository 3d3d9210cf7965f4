// Contenders on axios-mock-adapter: no network, so only client-side cost is measured.
import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { CONTENDERS, type Contender, type ContenderEnv, type ContenderKey } from './contenders';

export const MOCK_BASE_URL = 'https://kagenti.bench.invalid/api';
export const MOCK_TOKEN_ENDPOINT = 'https://keycloak.bench.invalid/realms/bench/protocol/openid-connect/token';
const OK_BODY = { ok: true, items: [{ id: 1, name: 'agent' }] };

export interface MockContender extends Contender {
  tokenRequests(): number;
  /**
   * axios-mock-adapter keeps every request config in `history`; without clearing it the heap
   * grows by ~1 KB a request, and GC time with it, whichever contender runs.
   */
  resetHistory(): void;
}

export function createMockContender(key: ContenderKey): MockContender {
  return createMockContenderFrom(CONTENDERS.find(candidate => candidate.key === key)!.create);
}

/** A contender built by `create`, on the same mocked token endpoint and API. */
export function createMockContenderFrom(create: (env: ContenderEnv) => Contender): MockContender {
  let tokenRequests = 0;
  const tokenHttp = axios.create();
  const tokenMock = new MockAdapter(tokenHttp);
  tokenMock.onPost(MOCK_TOKEN_ENDPOINT).reply(() => {
    tokenRequests++;
    return [200, { access_token: `mock-token-${tokenRequests}`, token_type: 'Bearer', expires_in: 3600 }];
  });
  const contender = create({
    baseURL: MOCK_BASE_URL,
    tokenEndpoint: MOCK_TOKEN_ENDPOINT,
    clientId: 'bench',
    clientSecret: 'bench-secret',
    bufferSeconds: 1,
    fixedToken: 'fixed-floor-token',
    tokenHttp,
  });
  const apiMock = new MockAdapter(contender.instance);
  apiMock.onGet().reply(200, OK_BODY);
  return {
    ...contender,
    tokenRequests: () => tokenRequests,
    resetHistory() {
      apiMock.resetHistory();
      tokenMock.resetHistory();
    },
  };
}
