/** What the printed app-config points at. */
export interface AppConfigTargets {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  kagentiBaseUrl: string;
}

/**
 * The app-config (YAML) that points a Backstage backend at the fakes: `boost.kagenti.auth` and
 * `boost.providers.kagenti.baseUrl`. Values are JSON strings, which YAML reads as they are.
 */
export function appConfigYaml(targets: AppConfigTargets): string {
  const quote = (value: string): string => JSON.stringify(value);
  return [
    'boost:',
    '  kagenti:',
    '    auth:',
    `      tokenEndpoint: ${quote(targets.tokenEndpoint)}`,
    `      clientId: ${quote(targets.clientId)}`,
    `      clientSecret: ${quote(targets.clientSecret)}`,
    '  providers:',
    '    kagenti:',
    `      baseUrl: ${quote(targets.kagentiBaseUrl)}`,
    '',
  ].join('\n');
}
