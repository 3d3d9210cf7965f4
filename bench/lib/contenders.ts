// The contenders, each wired the way its README shows: six on axios (the same axios version), and
// three on fetch (the same fetch for all three, so that only the auth layer differs). Every
// scenario drives them through one method, `get`, whichever client is underneath.
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import tokenProvider from 'axios-token-interceptor';
import { Agent, type Dispatcher, fetch as undiciFetch, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { createOidcInterceptor } from 'undici-oidc-interceptor';
import { createAuthorizedFetch, installKeycloakAuth, KeycloakTokenManager } from '../../lib';

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
  /**
   * The undici dispatcher the fetch contenders send through (a `MockAgent` in mock runs, which
   * then also answers undici-oidc-interceptor's token requests); default: a fresh `Agent` each.
   */
  dispatcher?: Dispatcher;
}

/** The client a contender puts the token on. */
export type Transport = 'axios' | 'fetch';

/** What every scenario drives. */
export interface Contender {
  transport: Transport;
  /**
   * One GET of `path` (joined to `baseURL`) as a caller makes it: resolves once the answer has
   * been read, rejects on a transport error or a non-2xx status. That is axios's rule; the fetch
   * contenders are held to it here, so that "failed requests" means the same for both.
   */
  get(path: string): Promise<{ status: number }>;
  close(): void | Promise<void>;
}

export interface AxiosContender extends Contender {
  transport: 'axios';
  /** The instance itself, for axios-mock-adapter. */
  instance: AxiosInstance;
}

export interface FetchContender extends Contender {
  transport: 'fetch';
}

export type ContenderKey =
  'bare' | 'minimal' | 'ours' | 'authRefresh' | 'tokenInterceptor' | 'naive' | 'fetchFloor' | 'oursFetch' | 'oidcInterceptor';

interface ContenderDefBase {
  key: ContenderKey;
  label: string;
  /** The column heading of the printed table. */
  short: string;
}

/** How to build a contender on either client; `transport` says which one `create` returns. */
export type ContenderFactory =
  | { transport: 'axios'; create(env: ContenderEnv): AxiosContender }
  | { transport: 'fetch'; create(env: ContenderEnv): FetchContender };

export type ContenderDef = ContenderDefBase & ContenderFactory;

/**
 * The floors each contender's ratios divide by: those of its own client, since what an auth layer
 * adds only compares with the same client underneath. The fixed-header fetch wrapper is both
 * floors of the fetch contenders: fetch has no interceptor chain whose own cost could be split off.
 */
export const FLOORS: Record<Transport, { floor: ContenderKey; interceptorFloor: ContenderKey }> = {
  axios: { floor: 'bare', interceptorFloor: 'minimal' },
  fetch: { floor: 'fetchFloor', interceptorFloor: 'fetchFloor' },
};

/** The contenders that always run: the floors, which the ratios need, and the package's two paths, which the goals need. */
export const ALWAYS_RUN: readonly ContenderKey[] = ['bare', 'minimal', 'ours', 'fetchFloor', 'oursFetch'];

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

/** An axios contender: `get` is the instance's own, so it adds no promise step to what is measured. */
export function onAxios(instance: AxiosInstance, close: () => void = () => {}): AxiosContender {
  return { transport: 'axios', instance, get: path => instance.get(path), close };
}

/** A fetch contender: `get` reads the body (which frees the connection) and rejects on a non-2xx status. */
function onFetch(send: (path: string) => Promise<Response>, close: () => void | Promise<void>): FetchContender {
  return { transport: 'fetch', get: path => send(path).then(readAnswer), close };
}

async function readAnswer(response: Response): Promise<{ status: number }> {
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`request failed with status ${response.status}`);
  return response;
}

/**
 * The fetch the fetch contenders call: Node's global fetch, which `createAuthorizedFetch` uses by
 * default and undici-oidc-interceptor's example calls. `BENCH_FETCH=undici` swaps in undici 7's
 * own fetch for all three, for comparison (BENCHMARKS.md says what changes). Either sends through
 * an undici 7 dispatcher: Node's fetch takes one in the non-standard `dispatcher` field, as its
 * global dispatcher. Typed as the global fetch: undici's `Response` is a different declaration.
 */
const FETCH: typeof fetch =
  process.env.BENCH_FETCH === 'undici' ? (undiciFetch as unknown as typeof fetch) : (url, init) => fetch(url, init);

/** The name of the fetch in use, for the report. */
export const FETCH_NAME =
  process.env.BENCH_FETCH === 'undici' ? 'undici fetch' : `Node.js global fetch (undici ${process.versions.undici ?? '?'})`;

/**
 * {@link FETCH} bound to the env's dispatcher, or to an agent of its own (so that closing one
 * contender leaves the others' connections alone).
 */
function boundFetch(env: ContenderEnv): { send: typeof fetch; close: () => Promise<void> } {
  const own = env.dispatcher ? undefined : new Agent();
  const dispatcher = env.dispatcher ?? own!;
  // Node's own types declare `dispatcher` with its bundled undici's types, a different declaration.
  const send: typeof fetch = (url, init) => FETCH(url, { ...init, dispatcher } as unknown as RequestInit);
  return { send, close: async () => own?.close() };
}

export const CONTENDERS: readonly ContenderDef[] = [
  {
    key: 'bare',
    transport: 'axios',
    label: 'bare axios, fixed token (floor)',
    short: 'floor',
    create(env) {
      return onAxios(axios.create({ baseURL: env.baseURL, headers: { Authorization: `Bearer ${env.fixedToken}` } }));
    },
  },
  {
    key: 'minimal',
    transport: 'axios',
    label: 'minimal interceptor, fixed token (interceptor floor)',
    short: 'min-interc.',
    create(env) {
      // What any request interceptor costs axios (its interceptor chain), with no work of its own.
      const instance = axios.create({ baseURL: env.baseURL });
      const authorization = `Bearer ${env.fixedToken}`;
      instance.interceptors.request.use(config => {
        config.headers.set('Authorization', authorization);
        return config;
      });
      return onAxios(instance);
    },
  },
  {
    key: 'ours',
    transport: 'axios',
    label: '@boost/kagenti-auth',
    short: 'kagenti-auth',
    create(env) {
      const manager = ourManager(env);
      const instance = axios.create({ baseURL: env.baseURL });
      installKeycloakAuth(instance, manager);
      return onAxios(instance, () => manager.close());
    },
  },
  {
    key: 'authRefresh',
    transport: 'axios',
    label: 'axios-auth-refresh',
    short: 'auth-refresh',
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
      return onAxios(instance);
    },
  },
  {
    key: 'tokenInterceptor',
    transport: 'axios',
    label: 'axios-token-interceptor',
    short: 'token-interc.',
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
      return onAxios(instance);
    },
  },
  {
    key: 'naive',
    transport: 'axios',
    label: 'naive: token per request',
    short: 'naive',
    create(env) {
      const tokenHttp = env.tokenHttp ?? axios.create();
      const instance = axios.create({ baseURL: env.baseURL });
      instance.interceptors.request.use(async config => {
        const body = await fetchClientCredentials(tokenHttp, env);
        config.headers.set('Authorization', `Bearer ${body.access_token}`);
        return config;
      });
      return onAxios(instance);
    },
  },
  {
    key: 'fetchFloor',
    transport: 'fetch',
    label: 'fetch, fixed header (fetch floor)',
    short: 'fetch floor',
    create(env) {
      // A wrapper a caller could write in two lines: the base URL joined, one fixed header set.
      const { send, close } = boundFetch(env);
      const authorization = `Bearer ${env.fixedToken}`;
      return onFetch(path => send(`${env.baseURL}${path}`, { headers: { authorization } }), close);
    },
  },
  {
    key: 'oursFetch',
    transport: 'fetch',
    label: '@boost/kagenti-auth createAuthorizedFetch',
    short: 'kagenti fetch',
    create(env) {
      const manager = ourManager(env);
      const { send, close } = boundFetch(env);
      const authorizedFetch = createAuthorizedFetch(manager, { baseUrl: env.baseURL, fetch: send });
      return onFetch(
        path => authorizedFetch(path),
        () => {
          manager.close();
          return close();
        },
      );
    },
  },
  {
    key: 'oidcInterceptor',
    transport: 'fetch',
    label: 'undici-oidc-interceptor',
    short: 'oidc-interc.',
    create(env) {
      // README: an agent composed with the interceptor. As its example does, that agent is the
      // global dispatcher: its 401 retry dispatches through the global one, so with the agent
      // passed per request only, the retry would bypass the interceptor and resend the same token.
      // It is made global on each request, since other contenders may run between two of its own.
      const own = env.dispatcher ? undefined : new Agent();
      const dispatcher = (env.dispatcher ?? own!).compose(
        createOidcInterceptor({
          clientId: env.clientId,
          clientSecret: env.clientSecret,
          idpTokenUrl: env.tokenEndpoint,
          retryOnStatusCodes: [401],
          urls: [new URL(env.baseURL).origin],
        }),
      );
      const previous = getGlobalDispatcher();
      return onFetch(
        path => {
          if (getGlobalDispatcher() !== dispatcher) setGlobalDispatcher(dispatcher);
          return FETCH(`${env.baseURL}${path}`);
        },
        async () => {
          if (getGlobalDispatcher() === dispatcher) setGlobalDispatcher(previous);
          await own?.close();
        },
      );
    },
  },
];

/** The manager both of this package's contenders use: default retry and `refreshAhead`. */
function ourManager(env: ContenderEnv): KeycloakTokenManager {
  return new KeycloakTokenManager({
    tokenEndpoint: env.tokenEndpoint,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    tokenExpiryBufferSeconds: env.bufferSeconds,
    ...(env.tokenHttp ? { httpClient: env.tokenHttp } : {}),
  });
}

export function contender(key: ContenderKey): ContenderDef {
  const found = CONTENDERS.find(def => def.key === key);
  if (!found) throw new Error(`unknown contender ${key}`);
  return found;
}

/** The floors `key`'s ratios divide by (see {@link FLOORS}). */
export function floorsOf(key: ContenderKey): { floor: ContenderKey; interceptorFloor: ContenderKey } {
  return FLOORS[contender(key).transport];
}
