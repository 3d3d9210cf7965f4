import { getEventListeners } from 'node:events';
import axios, { AxiosHeaders, type AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { waitForToken } from '../../lib/axios/waitForToken';
import { flushPromises } from '../helpers/FakeClock';
import { managerFixture, tokenBody } from '../helpers/tokenEndpointMock';
import { rejection } from '../helpers/assertions';

const request = (extra: Record<string, unknown> = {}) =>
  ({ headers: new AxiosHeaders(), ...extra }) as unknown as InternalAxiosRequestConfig;

describe('waitForToken', () => {
  // The manager runs on its own fake clock; the request timeout is a global timer, faked here.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it("gives up once the request's timeout passes, with axios's timeout error naming the wait", async () => {
    const { manager, endpoint } = managerFixture();
    endpoint.hold();
    const config = request({ timeout: 5_000 });
    const waiting = rejection<AxiosError>(waitForToken(manager, config));
    await flushPromises();
    await jest.advanceTimersByTimeAsync(5_000);
    const error = await waiting;
    expect(error.code).toBe('ECONNABORTED');
    expect(error.message).toBe('timeout of 5000ms exceeded while waiting for a Keycloak token');
    expect(error.config).toBe(config);
    expect(Object.keys(error)).not.toContain('config'); // kept out of logs, still readable
  });

  it.each([
    ['0 (axios: no timeout)', 0],
    ['negative', -1],
    ['not a number', '5000'],
    ['not set', undefined],
  ])('does not bound the wait by a timeout that is %s', async (_label, timeout) => {
    const { manager, endpoint } = managerFixture();
    const held = endpoint.hold();
    let settled = false;
    const waiting = waitForToken(manager, request({ timeout })).finally(() => {
      settled = true;
    });
    await flushPromises();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(settled).toBe(false);
    held.resolve([200, tokenBody('late')]);
    await expect(waiting).resolves.toBe('late');
  });

  it.each([
    ['with a timeout', 5_000],
    ['without a timeout', undefined],
  ])(
    'rejects as an axios cancel, and hands out no token, when the caller signal is aborted before the wait (%s)',
    async (_label, timeout) => {
      const { manager } = managerFixture();
      await manager.getToken();
      const controller = new AbortController();
      controller.abort();
      const error = await rejection<AxiosError>(
        waitForToken(manager, request({ timeout, signal: controller.signal, data: 'the-request-body' })),
      );
      expect(axios.isCancel(error)).toBe(true);
      expect(JSON.stringify(error)).not.toContain('the-request-body');
      expect(error.config?.data).toBe('the-request-body');
    },
  );

  it.each([
    ['with a timeout', 5_000],
    ['without a timeout', undefined],
  ])('rejects as an axios cancel, not as a timeout, when the caller aborts during the wait (%s)', async (_label, timeout) => {
    const { manager, endpoint } = managerFixture();
    endpoint.hold();
    const controller = new AbortController();
    const config = request({ timeout, signal: controller.signal });
    const waiting = rejection<AxiosError>(waitForToken(manager, config));
    await flushPromises();
    controller.abort();
    const error = await waiting;
    expect(axios.isCancel(error)).toBe(true);
    expect(error.code).not.toBe('ECONNABORTED');
    expect(error.config).toBe(config);
  });

  it('leaves no abort listener on a caller signal that many requests share, however each wait ends', async () => {
    const { manager, endpoint } = managerFixture();
    const controller = new AbortController();
    const config = () => request({ timeout: 5_000, signal: controller.signal });

    // Token not cached yet: the wait ends when it arrives.
    const held = endpoint.hold();
    const first = waitForToken(manager, config());
    await flushPromises();
    held.resolve([200, tokenBody('t1')]);
    await expect(first).resolves.toBe('t1');
    // Cached: the wait ends at once.
    for (let i = 0; i < 20; i++) await expect(waitForToken(manager, config())).resolves.toBe('t1');
    // The wait times out, while the fetch goes on...
    manager.invalidate('t1');
    const failing = endpoint.hold();
    const timingOut = rejection<AxiosError>(waitForToken(manager, config()));
    await flushPromises();
    await jest.advanceTimersByTimeAsync(5_000);
    expect((await timingOut).code).toBe('ECONNABORTED');
    // ...and the fetch fails: a wait that joined it ends in that error.
    const joined = rejection<AxiosError>(waitForToken(manager, config()));
    await flushPromises();
    failing.resolve([400, { error: 'invalid_client' }]);
    expect((await joined).code).toBe('TOKEN_ENDPOINT_OAUTH_ERROR');

    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(controller.signal.aborted).toBe(false);
  });

  it('leaves no timer behind once the token arrives', async () => {
    const { manager, endpoint } = managerFixture();
    const held = endpoint.hold();
    const waiting = waitForToken(manager, request({ timeout: 60_000 }));
    await flushPromises();
    expect(jest.getTimerCount()).toBe(1);
    held.resolve([200, tokenBody('t1')]);
    await expect(waiting).resolves.toBe('t1');
    expect(jest.getTimerCount()).toBe(0);
  });
});
