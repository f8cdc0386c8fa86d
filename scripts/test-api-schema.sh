#!/usr/bin/env bash
# Checks the running service against its own OpenAPI description with
# schemathesis (from PyPI): every operation, generated requests, and the
# responses' status codes, content types and schemas. The check that any
# schema-valid request must be accepted is left out on purpose: the API
# rightly refuses well-formed strings that name no Connecticut unit.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m schemathesis.cli --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check schemathesis
bin="${HECMAP_BIN:-target/debug/hecmap}"
[[ -x "$bin" ]] || cargo build --locked
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
store=$(mktemp -d)
"$bin" serve --port "$port" --data-dir "$store" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$log" "$store"' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
python3 -m schemathesis.cli run "http://127.0.0.1:$port/api/openapi.json" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --seed 20261124 \
  --exclude-checks positive_data_acceptance
