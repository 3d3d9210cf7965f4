import type { RootConfigService } from '@backstage/backend-plugin-api';
import { ConfigurationError } from '../errors/ConfigurationError';

/** Where the Kagenti API base URL lives in app-config (the key the Boost Kagenti provider uses). */
export const KAGENTI_BASE_URL_CONFIG_PATH = 'boost.providers.kagenti.baseUrl';

/**
 * Reads and checks `boost.providers.kagenti.baseUrl`: an absolute http(s) URL with no
 * credentials, query or fragment.
 * @throws ConfigurationError naming the key when it is missing or malformed; the message
 *   never quotes the configured value.
 */
export function readKagentiBaseUrl(config: RootConfigService): string {
  const key = KAGENTI_BASE_URL_CONFIG_PATH;
  let raw: string | undefined;
  try {
    raw = config.getOptionalString(key);
  } catch {
    // Backstage's type errors name the key but may quote the value.
    throw new ConfigurationError(`${key} must be a string`, [key]);
  }
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigurationError(`${key} is not set; set it to the Kagenti API base URL, e.g. https://kagenti.example.com`, [
      key,
    ]);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigurationError(`${key} must be an absolute http(s) URL, e.g. https://kagenti.example.com`, [key]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`${key} must use http or https, not ${url.protocol}`, [key]);
  }
  if (url.username || url.password) throw new ConfigurationError(`${key} must not contain credentials`, [key]);
  if (url.search || url.hash) throw new ConfigurationError(`${key} must not have a query or fragment`, [key]);
  return raw.trim();
}
