#!/usr/bin/env bash
# StrykerJS over one folder of lib/, with its own incremental file and reports, so that runs of
# different folders neither overwrite each other nor re-test what did not change:
#   scripts/mutation-folder.sh axios                    # lib/axios/**, reports/mutation/axios.*
#   scripts/mutation-folder.sh token --concurrency 1
#
# Each folder is tested against the in-process suites that exercise it (below), not against all of
# them: jest loads every suite a mutant could reach for each mutant, and nearly every suite reaches
# nearly every file through lib/index.ts, so the whole set costs ~10 s per mutant here. A mutant that
# only another suite would kill counts as survived: the scores are a floor. MUTATION_TESTS overrides
# the list; PROPERTY_RUNS (default 25) caps the cases of each property test.
set -euo pipefail
folder="$1"; shift
cd "$(dirname "$0")/.."
case "$folder" in
  axios) suites="installKeycloakAuth.test.ts,authorizeRequests.test.ts,retryRejectedToken.test.ts,parseWwwAuthenticate.test.ts,RedirectGuard.test.ts,redactAxiosError.test.ts,isReplayable.test.ts,describeRequest.test.ts,KagentiApiClient.test.ts,secrets.test.ts,integration/redirects.integration.test.ts,properties/concurrency.property.test.ts" ;;
  token) suites="KeycloakTokenManager.test.ts,KeycloakTokenManager.tokenStore.test.ts,failurePolicy.test.ts,clientAuthentication.test.ts,clientAuthenticationConfig.test.ts,signJwt.test.ts,tokenStoreSecretFor.test.ts,TokenRequestError.test.ts,secrets.test.ts,telemetry.test.ts,integration/jwtTokens.integration.test.ts,properties/tokenResponse.property.test.ts,properties/concurrency.property.test.ts" ;;
  store) suites="SharedTokenStore.test.ts,TokenSealer.test.ts,KeycloakTokenManager.tokenStore.test.ts,tokenStoreSecretFor.test.ts,backstage/cacheWiring.test.ts" ;;
  telemetry) suites="telemetry.test.ts,telemetryMeterTypes.test.ts,backstage/metricsWiring.test.ts" ;;
  config|errors) suites="readKeycloakAuthConfig.test.ts,readKeycloakAuthConfig.messages.test.ts,clientAuthenticationConfig.test.ts,TokenRequestError.test.ts,KeycloakTokenManager.test.ts,failurePolicy.test.ts,secrets.test.ts,properties/tokenResponse.property.test.ts" ;;
  client) suites="KagentiApiClient.test.ts,secrets.test.ts,backstage/DefaultKagentiApiService.test.ts" ;;
  backstage) suites="backstage/DefaultKagentiApiService.test.ts,backstage/cacheWiring.test.ts,backstage/kagentiApiClientServiceFactory.test.ts,backstage/kagentiProviderPlugin.test.ts,backstage/metricsWiring.test.ts,backstage/readKagentiBaseUrl.test.ts,backstage/userRefFromCredentials.test.ts" ;;
  testing) suites="testing/fakes.test.ts,backstage/kagentiProviderPlugin.test.ts" ;;
  *) suites="" ;;
esac
export MUTATION_TESTS="${MUTATION_TESTS:-$suites}"
export PROPERTY_RUNS="${PROPERTY_RUNS:-25}"
name="${folder//\//-}"
mkdir -p reports/mutation
config="reports/mutation/${name}.stryker.config.json"
FOLDER="$folder" NAME="$name" node -e '
  const base = require("./stryker.config.json");
  const { FOLDER, NAME } = process.env;
  delete base.$schema;
  const config = {
    ...base,
    mutate: [`lib/${FOLDER}/**/*.ts`, "!lib/**/*.d.ts", "!lib/index.ts"],
    incrementalFile: `reports/mutation/${NAME}.incremental.json`,
    jsonReporter: { fileName: `reports/mutation/${NAME}.json` },
    htmlReporter: { fileName: `reports/mutation/${NAME}.html` },
    tempDirName: `.stryker-tmp-${NAME}`,
  };
  process.stdout.write(JSON.stringify(config, null, 2));
' > "$config"
exec npx stryker run "$config" "$@"
