/**
 * What is wrong with a token endpoint URL, or undefined when nothing is. Shared by the config
 * schema and the token manager's constructor, so both hold the same rule.
 */
export function tokenEndpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'tokenEndpoint must be an absolute http(s) URL, e.g. https://keycloak.example.com/realms/<realm>/protocol/openid-connect/token';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `tokenEndpoint must use http or https, not ${url.protocol}`;
  if (url.username || url.password) return 'tokenEndpoint must not contain credentials; use clientId and clientSecret';
  return undefined;
}
