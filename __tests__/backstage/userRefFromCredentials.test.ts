import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { userRefFromCredentials } from '../../lib/backstage';

describe('userRefFromCredentials', () => {
  it("is a user principal's entity ref", () => {
    expect(userRefFromCredentials(mockCredentials.user('user:default/jane'))).toBe('user:default/jane');
  });

  it('is the user also when a service acts on their behalf', () => {
    const onBehalf = mockCredentials.user('user:default/jane');
    const withActor = {
      ...onBehalf,
      principal: { ...onBehalf.principal, actor: mockCredentials.service('plugin:chat').principal },
    };
    expect(userRefFromCredentials(withActor)).toBe('user:default/jane');
  });

  it('is undefined for a service or no principal', () => {
    expect(userRefFromCredentials(mockCredentials.service('plugin:catalog'))).toBeUndefined();
    expect(userRefFromCredentials(mockCredentials.none())).toBeUndefined();
  });

  // Credentials reach plugins from other code at run time: only a well-formed user principal names a user.
  it.each([
    ['a null principal', null],
    ['no principal', undefined],
    [
      'a service principal carrying a userEntityRef',
      { type: 'service', subject: 'plugin:chat', userEntityRef: 'user:default/jane' },
    ],
    ['a user principal whose userEntityRef is not text', { type: 'user', userEntityRef: 42 }],
  ])('is undefined for %s', (_name, principal) => {
    const credentials = { ...mockCredentials.user('user:default/jane'), principal } as unknown as BackstageCredentials;
    expect(userRefFromCredentials(credentials)).toBeUndefined();
  });
});
