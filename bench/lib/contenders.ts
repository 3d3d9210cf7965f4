// The six contenders, each wired the way its README shows, on the same axios version.
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import tokenProvider from 'axios-token-interceptor';
import { installKeycloakAuth, KeycloakTokenManager } from '../../lib';

export interface ContenderEnv {
  /** Absolute base URL of the API, e.g. http://127.0.0.1:1234/api */
  baseURL: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Every caching contender stops using a token this long before `expires_in` runs out. */
  bufferSeconds: number;
  /** The floor's token, which the API accepts forever. */
  fixedToken: string;
  /** Axios instance for token calls (a mock in mock-adapter runs); default: a fresh `axios.create()`. */
  tokenHttp?: AxiosInstance;
}

export interface Contender {
  instance: AxiosInstance;
  close(): void;
}

export interface ContenderDef {
  key: ContenderKey;
  label: string;
  create(env: ContenderEnv): Contender;
}

export type ContenderKey = 'bare' | 'minimal' | 'ours' | 'authRefresh' | 'tokenInterceptor' | 'naive';

export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in: number;
}

/** One client-credentials token request (client_secret_basic), as the hand-written contenders make it. */
export async function fetchClientCredentials(http: AxiosInstance, env: ContenderEnv): Promise<TokenResponse> {
  const basic = Buffer.from(`${encodeURIComponent(env.clientId)}:${encodeURIComponent(env.clientSecret)}`).toString('base64');
  const response = await http.post<TokenResponse>(env.tokenEndpoint, 'grant_type=client_credentials', {
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  return response.data;
}

/**
 * The "cached token provider" given to axios-auth-refresh: its README leaves getting the
 * token to the application ("wrap your request logic in a function"). This one is written
 * generously: a cache with the same expiry buffer as everyone else, single-flight fetching,
 * and a synchronous read when the token is cached (like the README's `getAccessToken()`).
 */
export class CachedTokenProvider {
  #token: string | undefined;
  #usableUntil = 0;
  #inflight: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<TokenResponse>,
    private readonly bufferMs: number,
  ) {}

  peek(): string | undefined {
    return this.#token !== undefined && Date.now() < this.#usableUntil ? this.#token : undefined;
  }

  get(): Promise<string> {
    const token = this.peek();
    return token !== undefined ? Promise.resolve(token) : this.refresh();
  }

  /** A new token; joins the fetch in flight, if any. */
  refresh(): Promise<string> {
    this.#inflight ??= this.fetchToken()
      .then(body => {
        this.#token = body.access_token;
        this.#usableUntil = Date.now() + body.expires_in * 1000 - this.bufferMs;
        return body.access_token;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}

export const CONTENDERS: readonly ContenderDef[] = [
  {
    key: 'bare',
    label: 'bare axios, fixed token (floor)',
    create(env) {
      const instance = axios.create({ baseURL: env.baseURL, headers: { Authorization: `Bearer ${env.fixedToken}` } });
      return { instance, close() {} };
    },
  },
  {
    key: 'minimal',
    label: 'minimal interceptor, fixed token (interceptor floor)',
    create(env) {
      // What any request interceptor costs axios (its interceptor chain), with no work of its own.
      const instance = axios.create({ baseURL: env.baseURL });
      const authorization = `Bearer ${env.fixedToken}`;
      instance.interceptors.request.use(config => {
        config.headers.set('Authorization', authorization);
        return config;
      });
      return { instance, close() {} };
    },
  },
  {
    key: 'ours',
    label: '@boost/kagenti-auth',
    create(env) {
      const manager = new KeycloakTokenManager({
        tokenEndpoint: env.tokenEndpoint,
        clientId: env.clientId,
        clientSecret: env.clientSecret,
        tokenExpiryBufferSeconds: env.bufferSeconds,
        ...(env.tokenHttp ? { httpClient: env.tokenHttp } : {}),
      });
      const instance = axios.create({ baseURL: env.baseURL });
      installKeycloakAuth(instance, manager);
      return { instance, close: () => manager.close() };
    },
  },
  {
    key: 'authRefresh',
    label: 'axios-auth-refresh',
    create(env) {
      const tokenHttp = env.tokenHttp ?? axios.create();
      const provider = new CachedTokenProvider(() => fetchClientCredentials(tokenHttp, env), env.bufferSeconds * 1000);
      const instance = axios.create({ baseURL: env.baseURL });
      // README: a request interceptor that reads the current token each time...
      instance.interceptors.request.use(request => {
        const token = provider.peek();
        if (token !== undefined) {
          request.headers['Authorization'] = `Bearer ${token}`;
          return request;
        }
        return provider.get().then(fresh => {
          request.headers['Authorization'] = `Bearer ${fresh}`;
          return request;
        });
      });
      // ...and createAuthRefresh with a refresh function that stores the new token and sets it on the failed request.
      createAuthRefresh(instance, (failedRequest: { response: { config: { headers: Record<string, string> } } }) =>
        provider.refresh().then(token => {
          failedRequest.response.config.headers['Authorization'] = `Bearer ${token}`;
        }),
      );
      return { instance, close() {} };
    },
  },
  {
    key: 'tokenInterceptor',
    label: 'axios-token-interceptor',
    create(env) {
      const tokenHttp = env.tokenHttp ?? axios.create();
      // README "Caching" with getMaxAge from expires_in, minus the same buffer as everyone else.
      const cache = tokenProvider.tokenCache(() => fetchClientCredentials(tokenHttp, env), {
        getMaxAge: body => (body.expires_in - env.bufferSeconds) * 1000,
      });
      const instance = axios.create({ baseURL: env.baseURL });
      instance.interceptors.request.use(
        tokenProvider<TokenResponse>({ getToken: cache, headerFormatter: body => `Bearer ${body.access_token}` }),
      );
      return { instance, close() {} };
    },
  },
  {
    key: 'naive',
    label: 'naive: token per request',
    create(env) {
      const tokenHttp = env.tokenHttp ?? axios.create();
      const instance = axios.create({ baseURL: env.baseURL });
      instance.interceptors.request.use(async config => {
        const body = await fetchClientCredentials(tokenHttp, env);
        config.headers.set('Authorization', `Bearer ${body.access_token}`);
        return config;
      });
      return { instance, close() {} };
    },
  },
];

export function contender(key: ContenderKey): ContenderDef {
  const found = CONTENDERS.find(def => def.key === key);
  if (!found) throw new Error(`unknown contender ${key}`);
  return found;
}
