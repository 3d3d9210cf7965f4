// Contenders on a mock transport: no network, so only client-side cost is measured. Axios
// contenders get axios-mock-adapter on their instance; fetch contenders send through undici's
// MockAgent, which also answers the token requests undici-oidc-interceptor sends with undici.
import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { MockAgent } from 'undici';
import { CONTENDERS, type Contender, type ContenderEnv, type ContenderFactory, type ContenderKey } from './contenders';
import { jwtShapedToken } from './jwtShapedToken';

export const MOCK_BASE_URL = 'https://kagenti.bench.invalid/api';
export const MOCK_TOKEN_ENDPOINT = 'https://keycloak.bench.invalid/realms/bench/protocol/openid-connect/token';
const OK_BODY = { ok: true, items: [{ id: 1, name: 'agent' }] };
const JSON_HEADERS = { 'content-type': 'application/json' };

export interface MockContender extends Contender {
  tokenRequests(): number;
  /**
   * axios-mock-adapter keeps every request config in `history`; without clearing it the heap
   * grows by ~1 KB a request, and GC time with it, whichever contender runs. (MockAgent keeps
   * no history unless asked to.)
   */
  resetHistory(): void;
}

export function createMockContender(key: ContenderKey): MockContender {
  return createMockContenderFrom(CONTENDERS.find(candidate => candidate.key === key)!);
}

/** A contender built by `def`, on the same mocked token endpoint and API. */
export function createMockContenderFrom(def: ContenderFactory): MockContender {
  let tokenRequests = 0;
  const tokenHttp = axios.create();
  const tokenMock = new MockAdapter(tokenHttp);
  tokenMock.onPost(MOCK_TOKEN_ENDPOINT).reply(() => {
    tokenRequests++;
    return [200, { access_token: `mock-token-${tokenRequests}`, token_type: 'Bearer', expires_in: 3600 }];
  });
  const env: ContenderEnv = {
    baseURL: MOCK_BASE_URL,
    tokenEndpoint: MOCK_TOKEN_ENDPOINT,
    clientId: 'bench',
    clientSecret: 'bench-secret',
    bufferSeconds: 1,
    fixedToken: 'fixed-floor-token',
    tokenHttp,
  };
  if (def.transport === 'axios') {
    const contender = def.create(env);
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
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get(new URL(MOCK_BASE_URL).origin)
    .intercept({ path: () => true, method: 'GET' })
    .reply(200, JSON.stringify(OK_BODY), { headers: JSON_HEADERS })
    .persist();
  agent
    .get(new URL(MOCK_TOKEN_ENDPOINT).origin)
    .intercept({ path: () => true, method: 'POST' })
    .reply(() => {
      tokenRequests++;
      const body = { access_token: jwtShapedToken(3600), token_type: 'Bearer', expires_in: 3600 };
      return { statusCode: 200, data: JSON.stringify(body), responseOptions: { headers: JSON_HEADERS } };
    })
    .persist();
  const contender = def.create({ ...env, dispatcher: agent });
  return {
    ...contender,
    tokenRequests: () => tokenRequests,
    resetHistory() {
      tokenMock.resetHistory();
    },
    close: async () => {
      await contender.close();
      await agent.close();
    },
  };
}
