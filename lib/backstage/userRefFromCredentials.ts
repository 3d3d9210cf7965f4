import type { BackstageCredentials, BackstageUserPrincipal } from '@backstage/backend-plugin-api';

const isUserPrincipal = (principal: unknown): principal is BackstageUserPrincipal =>
  (principal as { type?: unknown } | null | undefined)?.type === 'user' &&
  typeof (principal as { userEntityRef?: unknown }).userEntityRef === 'string';

/**
 * The user entity ref to send as `X-Backstage-User` for these credentials: the user's
 * `userEntityRef` for a user principal (also when a service acts on the user's behalf),
 * `undefined` for a service or no principal, so no header is sent.
 */
export function userRefFromCredentials(credentials: BackstageCredentials): string | undefined {
  return isUserPrincipal(credentials.principal) ? credentials.principal.userEntityRef : undefined;
}
