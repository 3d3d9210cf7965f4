// The `@boost/kagenti-auth/testing` entry: every public name is listed here. Node built-ins
// only, so using it in a consumer's tests adds no dependency.
export { startFakeKeycloak } from './startFakeKeycloak';
export type { FakeKeycloak, FakeKeycloakOptions, FakeKeycloakFault, FakeTokenRequest } from './startFakeKeycloak';
export { startFakeKagentiApi } from './startFakeKagentiApi';
export type {
  FakeKagentiApi,
  FakeKagentiApiOptions,
  FakeKagentiReply,
  FakeKagentiRequest,
  FakeSseEvent,
} from './startFakeKagentiApi';
