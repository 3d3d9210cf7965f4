#!/usr/bin/env bash
# The package as users get it. Builds and packs it, lints the package (publint --strict, attw),
# installs the tarball (with axios) into an empty folder, then for every entry point in
# scripts/entries.json: loads it with require() and with import (and checks both give the very
# same objects: one runtime copy), and compiles a TypeScript consumer in each resolution mode
# (node10 CJS, node16 CJS, node16 ESM .mts, nodenext ESM, bundler) that puts the interceptor on
# axios.create(...) and uses the `kagentiAuth` request option.
# KEEP_CHECK_PACK=1 keeps the consumer folder for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

node scripts/package-fields.mjs --check
npm run build --silent
# The build just ran: skip prepack's second one.
tarball="$repo/$(npm pack --silent --ignore-scripts | tail -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work" "$tarball"' EXIT
[ -z "${KEEP_CHECK_PACK:-}" ] || trap 'echo "kept $work"; rm -f "$tarball"' EXIT

# publint exits non-zero on errors only; --strict turns warnings into errors, and a
# suggestion is printed without failing, so anything but its all-clear line fails here.
publint_out="$(npx publint --strict 2>&1)" || { echo "$publint_out"; exit 1; }
grep -q 'All good!' <<<"$publint_out" || { echo "$publint_out"; echo "publint: not all good"; exit 1; }
echo "publint --strict: all good"
# The tarball just packed, so attw checks exactly what check-pack installs below.
npx attw --format ascii "$tarball"

specifiers="$(node --input-type=module -e "
  import { readEntries } from '$repo/scripts/entries.mjs';
  console.log(readEntries().map((entry) => entry.specifier).join(' '));
")"
axios_version="$(node -p "require('axios/package.json').version")"

cd "$work"
npm init -y >/dev/null
npm install --prefer-offline --no-audit --no-fund --silent "$tarball" "axios@$axios_version" "@types/node@20" >/dev/null

# Runtime: the core's public names are there, and require() and import give the same objects
# for every entry (the ESM entry re-exports the CommonJS build rather than holding a copy).
node -e "
  const lib = require('@boost/kagenti-auth');
  const expected = ['readKeycloakAuthConfig', 'kagentiAuthConfigSchema', 'KeycloakTokenManager', 'installKeycloakAuth',
    'KagentiApiClient', 'ConfigurationError', 'TokenRequestError'];
  const missing = expected.filter((name) => typeof lib[name] === 'undefined');
  if (missing.length) { console.error('missing exports: ' + missing.join(', ')); process.exit(1); }
  console.log('require ok:', Object.keys(lib).length, 'exports');
"
# The core and the test helper need neither Backstage nor OpenTelemetry: nothing of either is installed yet.
node -e "
  for (const peer of ['@backstage/backend-plugin-api', '@backstage/errors', '@opentelemetry/api']) {
    try { require.resolve(peer); console.error(peer + ' is installed: this check proves nothing'); process.exit(1); } catch {}
  }
  require('@boost/kagenti-auth');
  require('@boost/kagenti-auth/testing');
  console.log('core and testing entries load without Backstage or OpenTelemetry installed');
"
# The bin, as `npx kagenti-auth-fakes` runs it (still no Backstage or OpenTelemetry): it prints the
# app-config, answers on the control API, and exits 0 on SIGTERM.
node -e "
  const { spawn } = require('node:child_process');
  const child = spawn('node_modules/.bin/kagenti-auth-fakes', ['--keycloak-port', '0', '--kagenti-port', '0', '--control-port', '0']);
  let out = '';
  const fail = (why) => { console.error('kagenti-auth-fakes: ' + why + '\\n' + out); child.kill('SIGKILL'); process.exit(1); };
  const timer = setTimeout(() => fail('no config printed within 20 s'), 20000);
  child.stdout.on('data', async (chunk) => {
    out += chunk;
    if (!/baseUrl: \"[^\"]+\"\\n\$/.test(out)) return;
    clearTimeout(timer);
    const control = /# control API (\S+)/.exec(out)[1];
    const counts = await (await fetch(control + '/counts')).json();
    if (counts.tokenRequests !== 0) fail('unexpected counts ' + JSON.stringify(counts));
    child.once('exit', (code) => {
      if (code !== 0) fail('exited ' + code + ' on SIGTERM');
      console.log('bin ok: kagenti-auth-fakes printed its config, answered on ' + control + ', exited 0 on SIGTERM');
    });
    child.kill('SIGTERM');
  });
"
# The Backstage entry's optional peers, as a Backstage backend has them, and jest's types, which the
# /backstage/testing entry's mock type names (as Backstage's own test utilities do).
backstage_peers="$(cd "$repo" && node -p "['@backstage/backend-plugin-api', '@backstage/errors', '@types/jest'].map(p => p + '@' + require(p + '/package.json').version).join(' ')")"
# shellcheck disable=SC2086
npm install --prefer-offline --no-audit --no-fund --silent $backstage_peers >/dev/null
for specifier in $specifiers; do
  node --input-type=module -e "
    import { createRequire } from 'node:module';
    const esm = await import('$specifier');
    const cjs = createRequire(process.cwd() + '/')('$specifier');
    const names = Object.keys(cjs).filter((name) => name !== '__esModule').sort();
    const esmNames = Object.keys(esm).sort();
    if (names.join() !== esmNames.join()) {
      console.error('$specifier: import gives [' + esmNames + '], require gives [' + names + ']');
      process.exit(1);
    }
    const copies = names.filter((name) => esm[name] !== cjs[name]);
    if (copies.length) { console.error('$specifier: import and require give different objects for ' + copies); process.exit(1); }
    console.log('import ok: $specifier,', names.length, 'exports, the same objects as require()');
  "
done

# Types: one consumer per resolution mode, each in a folder of its own (its package.json sets
# the module format) and all sharing the node_modules installed above.
consumer() {
  local dir="$1" type="$2" file="$3" module="$4" resolution="$5"
  mkdir -p "$dir"
  printf '{ "private": true, "type": "%s" }\n' "$type" >"$dir/package.json"
  cat >"$dir/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "module": "$module",
    "moduleResolution": "$resolution",
    "target": "es2022",
    "strict": true,
    "noEmit": true,
    "esModuleInterop": true,
    "types": ["node"]
  },
  "files": ["$file"]
}
JSON
  {
    cat <<'TS'
import axios, { type AxiosRequestConfig } from 'axios';
import { KagentiApiClient, KeycloakTokenManager, createAuthorizedFetch, installKeycloakAuth, type KeycloakAuthConfig } from '@boost/kagenti-auth';

const manager = new KeycloakTokenManager({ tokenEndpoint: 'https://kc/realms/r/protocol/openid-connect/token', clientId: 'c', clientSecret: 's' });
const instance = axios.create({ baseURL: 'https://kagenti.example' });
installKeycloakAuth(instance, manager).eject();
void instance.get('/x', { kagentiAuth: { minTokenLifetimeMs: 1000 } });
const perRequest: NonNullable<AxiosRequestConfig['kagentiAuth']> = { skip: true };
// Fail if our types degrade to `any` (an unresolved import inside them would do that):
// @ts-expect-error a plain object is not an axios instance
installKeycloakAuth({}, manager);
// @ts-expect-error skip is a boolean
void instance.get('/x', { kagentiAuth: { skip: 'yes' } });
const client: KagentiApiClient = new KagentiApiClient({ baseUrl: 'https://kagenti.example', tokenManager: manager });
const config: KeycloakAuthConfig | undefined = undefined;
// The fetch transport is a drop-in for the platform's fetch, with per-request options of its own.
const f: typeof fetch = createAuthorizedFetch(manager, { baseUrl: 'https://kagenti.example' });
const authorized = createAuthorizedFetch(manager, { baseUrl: 'https://kagenti.example' });
void authorized('/agents', { kagentiAuth: { minTokenLifetimeMs: 60_000 } });
// @ts-expect-error minTokenLifetimeMs is a number
void authorized('/agents', { kagentiAuth: { minTokenLifetimeMs: 'long' } });
void [perRequest, client, config, f];
TS
    local n=0
    for specifier in $specifiers; do
      printf "import * as entry%d from '%s';\nvoid entry%d;\n" "$n" "$specifier" "$n"
      n=$((n + 1))
    done
  } >"$dir/$file"
  local checked
  checked="$(node "$repo/scripts/check-consumer.mjs" "$dir")"
  echo "types ok: $dir ($module/$resolution, $file): $checked"
}
consumer node10-cjs commonjs check.ts commonjs node10
consumer node16-cjs commonjs check.ts node16 node16
consumer node16-esm commonjs check.mts node16 node16
consumer nodenext-esm module check.ts nodenext nodenext
consumer bundler module check.ts esnext bundler
echo "check-pack: all checks passed in ${SECONDS} s"
