import { KagentiAuthError } from './KagentiAuthError';

/** The `boost.kagenti.auth` configuration is malformed or only partly present. */
export class ConfigurationError extends KagentiAuthError {
  readonly code = 'KAGENTI_AUTH_CONFIG_INVALID' as const;

  /** Config keys (relative to `boost.kagenti.auth`) that are missing or invalid. */
  readonly keys: readonly string[];

  constructor(message: string, keys: readonly string[] = []) {
    super(message);
    this.keys = keys;
  }
}
