// The `@boost/kagenti-auth/backstage/testing` entry: every public name is listed here. Needs the
// Backstage peers (as the `/backstage` entry does); `.mock()` also needs jest. The `/testing`
// entry stays node built-ins only.
export { kagentiApiClientServiceMock } from './kagentiApiClientServiceMock';
export type { KagentiApiClientServiceMock, KagentiApiServiceFactory, KagentiApiServiceMock } from './kagentiApiClientServiceMock';
export { mockKagentiResponse } from './mockKagentiResponse';
export type { MockKagentiResponseInit } from './mockKagentiResponse';
