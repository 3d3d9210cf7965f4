import type { ClientAuthenticator } from './ClientAuthenticator';
import type { ClientAuthenticationOptions } from './ClientAuthenticationOptions';
import { checkClientAuthentication, methodRule } from './clientAuthenticationMethods';

export type { ClientAuthenticationOptions } from './ClientAuthenticationOptions';

/**
 * Picks the client authentication method, checks once that exactly the credential it needs is
 * given and that no option of another method is (the rulebook, {@link checkClientAuthentication}),
 * then builds it; its factory checks its own arguments (a static private key is parsed there).
 * @throws TypeError naming the options that are missing, extra or malformed; never quoting a secret.
 */
export function createClientAuthenticator(
  tokenEndpoint: string,
  clientId: string,
  options: ClientAuthenticationOptions,
): ClientAuthenticator {
  const { method, problems } = checkClientAuthentication(options);
  if (problems[0]) throw new TypeError(problems[0].message);
  return methodRule(method).build({ tokenEndpoint, clientId, options });
}
