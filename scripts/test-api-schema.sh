#!/usr/bin/env bash
# Checks the running service against its own OpenAPI description with
# schemathesis (from PyPI): every operation, generated requests, and the
# responses' status codes, content types and schemas. The check that any
# schema-valid request must be accepted is left out on purpose: the API
# rightly refuses well-formed strings that name no Connecticut unit.
#
# Three runs: anonymous, then signed in as an HEC editor and as state staff
# (bearer tokens from POST /api/auth/login), so the negotiation routes are
# fuzzed past their 401s. Before the server starts, `hecmap admin` makes two
# organizations with an editor each and a staff account; before the runs
# the editors save proposals through the API (a submitted version and a
# draft for the first, an overlapping submitted one for the second: a
# dispute "1+2", which staff settles: state plan version 1). The generated
# organization ids, version numbers and dispute keys are then often (not
# always) those that exist, so requests reach the handlers' logic instead
# of stopping at 404. The signed-in runs leave out POST /api/auth/logout, which would revoke the run's own token.
# Any run failing, or the server panicking, fails the script.
#
# Settings: HECMAP_BIN (default target/debug/hecmap, built if missing),
# SCHEMATHESIS_EXAMPLES (examples per operation, default 25),
# SCHEMATHESIS_SEED (default 20261124).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m schemathesis.cli --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check schemathesis
bin="${HECMAP_BIN:-target/debug/hecmap}"
[[ -x "$bin" ]] || cargo build --locked
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
log=$(mktemp)
store=$(mktemp -d)
config=$(mktemp --suffix .toml)
server=
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$log" "$store" "$config"
}
trap cleanup EXIT

# The accounts, in the store the server will open.
password() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
editor_password=$(password)
editor2_password=$(password)
staff_password=$(password)
"$bin" admin create-org --data-dir "$store" --name "Schema Fuzz West" >/dev/null
"$bin" admin create-org --data-dir "$store" --name "Schema Fuzz East" >/dev/null
"$bin" admin create-user --data-dir "$store" --username fuzz-editor --role editor \
  --org "Schema Fuzz West" --password-stdin <<<"$editor_password" >/dev/null
"$bin" admin create-user --data-dir "$store" --username fuzz-editor2 --role editor \
  --org "Schema Fuzz East" --password-stdin <<<"$editor2_password" >/dev/null
"$bin" admin create-user --data-dir "$store" --username fuzz-staff --role staff \
  --password-stdin <<<"$staff_password" >/dev/null

"$bin" serve --port "$port" --data-dir "$store" >"$log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -sf "$base/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$base/api/health" >/dev/null || { echo "the server did not start:" >&2; cat "$log" >&2; exit 1; }

# POST JSON (argument 3) to a path with an optional bearer token; prints the answer.
post() {
  local auth=()
  [[ -n "$2" ]] && auth=(-H "Authorization: Bearer $2")
  curl -sS --fail-with-body -X POST "$base$1" -H 'Content-Type: application/json' \
    "${auth[@]}" --data-binary "$3"
}
# A bearer token for an account.
token() {
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2], "kind": "token", "label": "schemathesis"}))' "$1" "$2")
  post /api/auth/login "" "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
editor_token=$(token fuzz-editor "$editor_password")
editor2_token=$(token fuzz-editor2 "$editor2_password")
staff_token=$(token fuzz-staff "$staff_password")

# Proposals: organization 1 submits version 1 and drafts version 2;
# organization 2 submits a version overlapping it in Ashford.
version() { # org token base status towns...
  local org=$1 tok=$2 base_version=$3 status=$4
  shift 4
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"base_version": int(sys.argv[1]), "status": sys.argv[2], "rationale": "seed for schemathesis", "plan": {"hecs": [{"units": sys.argv[3:]}]}}))' "$base_version" "$status" "$@")
  post "/api/organizations/$org/proposal/versions" "$tok" "$body" >/dev/null
}
version 1 "$editor_token" 0 submitted Union Woodstock Eastford Ashford
version 1 "$editor_token" 1 draft Union Woodstock Eastford Ashford Willington
version 2 "$editor2_token" 0 submitted Ashford Mansfield Coventry
# Staff settles the dispute: state plan version 1.
post /api/rulings "$staff_token" \
  '{"base_state_version": 0, "kind": "assign", "organization_id": 1, "units": ["Ashford"], "reason": "seed for schemathesis"}' >/dev/null

# Existing identifiers, drawn often (not always) in place of generated ones.
cat >"$config" <<'EOF'
[dictionaries.organizations]
values = [1, 2]
[dictionaries.versions]
values = [0, 1, 2]
[dictionaries.disputes]
values = ["1+2", "2+1"]
[dictionaries.units]
values = ["Ashford", "Union", "09015830100", "09150830100", "Mansfield"]
# Only on the negotiation routes: elsewhere "id" is a unit's GEOID or name.
[[operations]]
include-tag = "negotiation"
[operations.parameters]
"path.id" = { dictionary = "organizations", probability = 0.6 }
"path.version" = { dictionary = "versions", probability = 0.6 }
"path.key" = { dictionary = "disputes", probability = 0.6 }
"query.from" = { dictionary = "versions", probability = 0.5 }
"query.to" = { dictionary = "versions", probability = 0.5 }
"body.organization_id" = { dictionary = "organizations", probability = 0.6 }
"body.base_version" = { dictionary = "versions", probability = 0.6 }
"body.base_state_version" = { dictionary = "versions", probability = 0.6 }
"body.units[*]" = { dictionary = "units", probability = 0.5 }
EOF

run() {
  local who=$1
  shift
  echo "=== schemathesis: $who ==="
  python3 -m schemathesis.cli --config-file "$config" run "$base/api/openapi.json" \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --seed "${SCHEMATHESIS_SEED:-20261124}" \
    --exclude-checks positive_data_acceptance "$@"
}

failed=()
run anonymous || failed+=(anonymous)
run "signed in as an editor" -H "Authorization: Bearer $editor_token" \
  --exclude-path /api/auth/logout || failed+=(editor)
run "signed in as staff" -H "Authorization: Bearer $staff_token" \
  --exclude-path /api/auth/logout || failed+=(staff)

if grep -qi "panicked" "$log"; then
  echo "the server panicked during the runs:" >&2
  grep -i -A3 "panicked" "$log" >&2
  failed+=(server-panic)
fi
if ((${#failed[@]})); then
  echo "schemathesis failed: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis passed: anonymous, editor, staff"
