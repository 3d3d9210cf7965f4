import { KagentiAuthError } from './KagentiAuthError';

/** A token was asked of a `KeycloakTokenManager` after `close()`, or `close()` ended the wait for one. */
export class ManagerClosedError extends KagentiAuthError {
  readonly code = 'TOKEN_MANAGER_CLOSED' as const;

  constructor() {
    super('KeycloakTokenManager is closed');
  }
}
