// Backstage reads this (package.json "configSchema") to validate app-config and to keep
// clientSecret out of anything served to the browser.
export interface Config {
  boost?: {
    kagenti?: {
      auth?: {
        /** Keycloak token endpoint: https://<host>/realms/<realm>/protocol/openid-connect/token */
        tokenEndpoint?: string;
        /** Keycloak client id of the service account. */
        clientId?: string;
        /**
         * Keycloak client secret.
         * @visibility secret
         */
        clientSecret?: string;
        /** Seconds before expiry at which a token stops being used. Default 60. */
        tokenExpiryBufferSeconds?: number;
      };
    };
    providers?: {
      kagenti?: {
        /** Kagenti API base URL, e.g. https://kagenti.example.com (read by @boost/kagenti-auth/backstage). */
        baseUrl?: string;
      };
    };
  };
}
