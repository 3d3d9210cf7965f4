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
        /**
         * Instead of clientSecret: a file holding the client secret (e.g. a Kubernetes Secret volume),
         * read per token request, so that a secret rotated in place is used without a restart.
         */
        clientSecretFile?: string;
        /**
         * How the client authenticates. Default: private_key_jwt with privateKey,
         * client_assertion with clientAssertionFile, otherwise client_secret_basic.
         */
        clientAuthentication?:
          'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'client_secret_jwt' | 'client_assertion';
        /**
         * For private_key_jwt: the private key as PEM text (PKCS#8) or a JWK as JSON text.
         * @visibility secret
         */
        privateKey?: string;
        /** The kid header of signed client assertions (the key's id in Keycloak's JWKS). */
        privateKeyId?: string;
        /**
         * JWS alg of signed client assertions. private_key_jwt: RS256 (RSA default), RS384, RS512, PS256
         * (RSA-PSS default), PS384, PS512, ES256/ES384/ES512 (by EC curve), EdDSA. client_secret_jwt: HS256
         * (default), HS384, HS512.
         */
        signingAlgorithm?:
          | 'RS256'
          | 'RS384'
          | 'RS512'
          | 'PS256'
          | 'PS384'
          | 'PS512'
          | 'ES256'
          | 'ES384'
          | 'ES512'
          | 'EdDSA'
          | 'HS256'
          | 'HS384'
          | 'HS512';
        /** For client_assertion: a file holding the JWT to send (e.g. a projected service-account token), read per token request. */
        clientAssertionFile?: string;
        /** aud of signed client assertions. Default: the realm issuer derived from tokenEndpoint. */
        assertionAudience?: string;
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
