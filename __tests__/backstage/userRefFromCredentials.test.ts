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
});
