import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { KeycloakTokenManager, type KeycloakTokenManagerOptions } from '../../lib';
import { FakeClock } from './FakeClock';
import { RecordingLogger } from './RecordingLogger';

export const TOKEN_ENDPOINT = 'https://keycloak.test/realms/kagenti/protocol/openid-connect/token';
export const CLIENT_ID = 'boost-backend';
export const CLIENT_SECRET = 'Sup3r-S3cret-Value!';

/** A reply the test settles by hand, to hold a token request in flight. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export type MockReply = [number, unknown?, Record<string, string>?];

export function tokenBody(accessToken: string, expiresIn: unknown = 300, extra: Record<string, unknown> = {}) {
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, ...extra };
}

/**
 * A token endpoint behind axios-mock-adapter that answers from a queue of replies, so a
 * test says what each successive token request gets. Unmatched requests throw.
 */
export class TokenEndpointMock {
  readonly http: AxiosInstance = axios.create();
  readonly mock = new MockAdapter(this.http, { onNoMatch: 'throwException' });
  private readonly queue: Array<MockReply | Deferred<MockReply> | (() => MockReply | Promise<MockReply>)> = [];
  private issued = 0;

  constructor() {
    this.mock.onPost(TOKEN_ENDPOINT).reply(async () => {
      const next = this.queue.shift();
      if (next === undefined) {
        this.issued++;
        return [200, tokenBody(`token-${this.issued}`)];
      }
      if (typeof next === 'function') return next();
      if ('promise' in next) return next.promise;
      return next;
    });
  }

  /** Queues the replies of the next token requests; once the queue is empty, `token-N` tokens (300 s) are issued. */
  reply(...replies: Array<MockReply | Deferred<MockReply> | (() => MockReply | Promise<MockReply>)>): this {
    this.queue.push(...replies);
    return this;
  }

  /** Queues a reply held until the test settles it. */
  hold(): Deferred<MockReply> {
    const d = deferred<MockReply>();
    this.queue.push(d);
    return d;
  }

  get requests(): AxiosRequestConfig[] {
    return this.mock.history.post.filter(request => request.url === TOKEN_ENDPOINT);
  }

  get count(): number {
    return this.requests.length;
  }
}

export interface ManagerFixture {
  endpoint: TokenEndpointMock;
  clock: FakeClock;
  logger: RecordingLogger;
  manager: KeycloakTokenManager;
}

/** A manager on a fake clock and a mocked endpoint; retries and refresh-ahead off unless asked. */
export function managerFixture(options: Partial<KeycloakTokenManagerOptions> = {}): ManagerFixture {
  const endpoint = new TokenEndpointMock();
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const manager = new KeycloakTokenManager({
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
    ...options,
  });
  return { endpoint, clock, logger, manager };
}
