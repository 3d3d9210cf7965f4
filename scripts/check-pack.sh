#!/usr/bin/env bash
# Builds and packs the package, installs the tarball (with axios) into an empty folder, and
# checks that require() exposes the public names and that the types compile against it.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build --silent
tarball="$(npm pack --silent | tail -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work" "$tarball"' EXIT

axios_version="$(node -p "require('axios/package.json').version")"
typescript_version="$(node -p "require('typescript/package.json').version")"
(
  cd "$work"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --silent "$OLDPWD/$tarball" "axios@$axios_version" "typescript@$typescript_version" "@types/node@20" >/dev/null
  node -e "
    const lib = require('@boost/kagenti-auth');
    const expected = ['readKeycloakAuthConfig', 'kagentiAuthConfigSchema', 'KeycloakTokenManager', 'installKeycloakAuth',
      'KagentiApiClient', 'ConfigurationError', 'TokenRequestError'];
    const missing = expected.filter(name => typeof lib[name] === 'undefined');
    if (missing.length) { console.error('missing exports: ' + missing.join(', ')); process.exit(1); }
    console.log('require ok:', Object.keys(lib).length, 'exports');
  "
  cat > check.ts <<'TS'
import axios from 'axios';
import { KagentiApiClient, KeycloakTokenManager, installKeycloakAuth, type KeycloakAuthConfig } from '@boost/kagenti-auth';

const manager = new KeycloakTokenManager({ tokenEndpoint: 'https://kc/realms/r/protocol/openid-connect/token', clientId: 'c', clientSecret: 's' });
const instance = axios.create({ baseURL: 'https://kagenti.example' });
installKeycloakAuth(instance, manager).eject();
void instance.get('/x', { kagentiAuth: { minTokenLifetimeMs: 1000 } });
const client: KagentiApiClient = new KagentiApiClient({ baseUrl: 'https://kagenti.example', tokenManager: manager });
const config: KeycloakAuthConfig | undefined = undefined;
void client;
void config;
TS
  npx tsc --noEmit --strict --esModuleInterop --module commonjs --moduleResolution node --target es2022 --types node check.ts
  echo "types ok"
  ls node_modules/@boost/kagenti-auth
)
