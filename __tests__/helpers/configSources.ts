import { ConfigReader } from '@backstage/config';
import { ConfigurationError, readKeycloakAuthConfig } from '../../lib';

/** Config cases run against a plain object and against Backstage's ConfigReader. */
export const configSources: Array<[string, (data: object) => object]> = [
  ['a plain object', data => data],
  ['a Backstage ConfigReader', data => new ConfigReader(data)],
];

/** The ConfigurationError reading `config` throws; fails the test when it throws nothing or something else. */
export function readError(config: object): ConfigurationError {
  try {
    readKeycloakAuthConfig(config);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}
