#!/usr/bin/env bash
# End-to-end tests of the web map, on a fresh Debian machine:
#   - installs Chromium (apt-get) and the build's system packages if missing,
#   - `npm ci`, lints the web UI's JavaScript (ESLint) and type-checks it
#     (TypeScript's checker over `// @ts-check` JSDoc), fails on either,
#     and builds it into web/dist,
#   - builds hecmap (release), creates accounts in a fresh data directory
#     with `hecmap admin` and serves it on a free port in the background,
#   - runs web/tests/ with Node's test runner (playwright-core driving
#     /usr/bin/chromium), and exits with the tests' status.
# Screenshots land in test-artifacts/; the timings are printed.
# Data: $HECMAP_DATA, or ../shared/data/ct beside the repository.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export HECMAP_DATA="${HECMAP_DATA:-$repo/../shared/data/ct}"

sudo_cmd=""
[[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
apt_install() {
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "test-web: installing ${missing[*]}" >&2
  apt_install "${missing[@]}"
fi
scripts/install-deps.sh   # what cargo needs to build hecmap

echo "test-web: installing, linting, type-checking and building the web UI" >&2
(cd web && npm ci --no-audit --no-fund && npm run lint && npm run typecheck && npm run build)

echo "test-web: building hecmap (release)" >&2
cargo build --release --locked

# A fresh negotiation store with the accounts the browser tests sign in
# with: an administrator, two organizations (prospective HECs) with an
# editor each, a state staff member and an analyst.
data_dir=$(mktemp -d -t hecmap-web-data.XXXXXX)
trap 'rm -rf "$data_dir"' EXIT
export HECMAP_TEST_PASSWORD="${HECMAP_TEST_PASSWORD:-web-test-password-1}"
export HECMAP_TEST_ORG_A="Greater Hartford HEC" HECMAP_TEST_ORG_B="Central Connecticut HEC"
hecmap_admin() {
  printf '%s\n' "$HECMAP_TEST_PASSWORD" | ./target/release/hecmap admin "$@" --data-dir "$data_dir" >/dev/null
}
echo "test-web: creating accounts in $data_dir" >&2
hecmap_admin create-admin --username admin --display-name "State administrator" --password-stdin
./target/release/hecmap admin create-org --data-dir "$data_dir" --name "$HECMAP_TEST_ORG_A" >/dev/null
./target/release/hecmap admin create-org --data-dir "$data_dir" --name "$HECMAP_TEST_ORG_B" >/dev/null
hecmap_admin create-user --username editor-a --display-name "Ana (Greater Hartford)" --role editor --org "$HECMAP_TEST_ORG_A" --password-stdin
hecmap_admin create-user --username editor-b --display-name "Ben (Central Connecticut)" --role editor --org "$HECMAP_TEST_ORG_B" --password-stdin
hecmap_admin create-user --username staff --display-name "Sam (state staff)" --role staff --password-stdin
hecmap_admin create-user --username analyst --display-name "Alex (analyst)" --role analyst --password-stdin

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$(mktemp -t hecmap-serve.XXXXXX)
./target/release/hecmap serve --port "$port" --web-dir "$repo/web/dist" --data-dir "$data_dir" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
  rm -rf "$data_dir"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
echo "test-web: waiting for $url/api/health" >&2
up=0
for _ in $(seq 1 240); do
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/api/health"; then
    up=1
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "test-web: hecmap serve exited:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
if ((!up)); then
  echo "test-web: hecmap serve did not answer in 2 minutes:" >&2
  cat "$log" >&2
  exit 1
fi

mkdir -p test-artifacts
status=0
HECMAP_URL="$url" HECMAP_BIN="$repo/target/release/hecmap" HECMAP_ARTIFACTS="$repo/test-artifacts" \
  node --test --test-concurrency=1 web/tests/ || status=$?
if ((status != 0)); then
  echo "test-web: tests failed ($status); the server's log ends:" >&2
  tail -n 40 "$log" >&2 || true
fi
exit "$status"
