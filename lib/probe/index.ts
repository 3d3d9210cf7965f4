// Throwaway second entry point: shows that build, exports, API reports and check-pack follow scripts/entries.json.
import type { AxiosInstance } from 'axios';
import { installKeycloakAuth, type TokenSource } from '../axios/installKeycloakAuth';

/** Installs the auth interceptors and returns the function that removes them. */
export function probeInstall(instance: AxiosInstance, tokens: TokenSource): () => void {
  const installation = installKeycloakAuth(instance, tokens);
  return () => installation.eject();
}
