// The public mock type names jest's: keep the reference in the declaration output.
/// <reference types="jest" preserve="true" />
import { createServiceFactory, type ServiceFactory } from '@backstage/backend-plugin-api';
import { NotImplementedError } from '@backstage/errors';
import type { KagentiApiService } from '../backstage/KagentiApiService';
import { kagentiApiClientServiceRef } from '../backstage/kagentiApiClientServiceRef';

/** A service factory for `kagentiApiClientServiceRef`, as `startTestBackend` and `backend.add` take it. */
export type KagentiApiServiceFactory = ServiceFactory<KagentiApiService, 'plugin', 'singleton'>;

/**
 * What `kagentiApiClientServiceMock.mock()` returns: every method is a `jest.fn()` (assert on its
 * calls, change its answer with `mockResolvedValue` and the like), and `factory` provides this
 * very object to every plugin of a test backend.
 */
export type KagentiApiServiceMock = {
  [Name in keyof KagentiApiService]: KagentiApiService[Name] &
    jest.MockInstance<ReturnType<KagentiApiService[Name]>, Parameters<KagentiApiService[Name]>>;
} & { factory: KagentiApiServiceFactory };

/** Stand-ins for the Kagenti API client service, for plugin tests and development backends; no Keycloak, no Kagenti. */
export interface KagentiApiClientServiceMock {
  /**
   * A `KagentiApiService` that answers with the given methods; a method not given rejects with
   * `NotImplementedError` (HTTP 501) naming it. Needs no jest.
   */
  (implementation?: Partial<KagentiApiService>): KagentiApiService;
  /**
   * A service factory giving each plugin `kagentiApiClientServiceMock(implementation)`, for
   * `startTestBackend({ features: [...] })` or a development backend's `backend.add(...)`. Needs no jest.
   */
  factory(implementation?: Partial<KagentiApiService>): KagentiApiServiceFactory;
  /**
   * A service whose methods are `jest.fn()`s, running the given implementations (the others
   * return `undefined`, as a bare `jest.fn()` does), with a `factory` that provides it.
   * @throws TypeError outside a jest test (it needs jest's `jest` object).
   */
  mock(implementation?: Partial<KagentiApiService>): KagentiApiServiceMock;
}

function notGiven(method: string): () => Promise<never> {
  return () =>
    Promise.reject(
      new NotImplementedError(
        `kagentiApiClientServiceMock: ${method} was not given; pass it, e.g. kagentiApiClientServiceMock.factory({ ${method}: async () => ... })`,
      ),
    );
}

function stub(implementation: Partial<KagentiApiService> = {}): KagentiApiService {
  return {
    requestCore: implementation.requestCore ?? notGiven('requestCore'),
    fetch: implementation.fetch ?? notGiven('fetch'),
  };
}

const providing = (service: KagentiApiService | (() => KagentiApiService)): KagentiApiServiceFactory =>
  createServiceFactory({
    service: kagentiApiClientServiceRef,
    deps: {},
    factory: typeof service === 'function' ? service : () => service,
  });

function mock(implementation: Partial<KagentiApiService> = {}): KagentiApiServiceMock {
  // Under jest, `jest` is a variable of each module's scope, not a global: look it up by name.
  if (typeof jest === 'undefined' || typeof jest.fn !== 'function') {
    throw new TypeError(
      'kagentiApiClientServiceMock.mock() needs jest (it returns jest.fn() methods); outside jest, use kagentiApiClientServiceMock.factory(implementation)',
    );
  }
  const methods = {
    requestCore: implementation.requestCore ? jest.fn(implementation.requestCore) : jest.fn(),
    fetch: implementation.fetch ? jest.fn(implementation.fetch) : jest.fn(),
  } as Omit<KagentiApiServiceMock, 'factory'>;
  return Object.assign(methods, { factory: providing(methods) });
}

/**
 * Stand-ins for `kagentiApiClientServiceRef`, shaped like Backstage's own service mocks: call it
 * for a service, `.factory()` for `startTestBackend`, `.mock()` for `jest.fn()` methods.
 *
 * @example
 * ```ts
 * const kagenti = kagentiApiClientServiceMock.mock({
 *   requestCore: async () => mockKagentiResponse({ items: [{ name: 'weather' }] }),
 * });
 * const { server } = await startTestBackend({ features: [myPlugin, kagenti.factory] });
 * // ... then: expect(kagenti.requestCore).toHaveBeenCalledWith(expect.objectContaining({ path: '/api/v1/agents' }));
 * ```
 */
export const kagentiApiClientServiceMock: KagentiApiClientServiceMock = Object.assign(stub, {
  // A fresh service per plugin, as the real factory gives each plugin its own.
  factory: (implementation?: Partial<KagentiApiService>) => providing(() => stub(implementation)),
  mock,
});
