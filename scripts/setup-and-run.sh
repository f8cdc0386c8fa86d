#!/usr/bin/env bash
# Sets up a fresh machine and runs hecmap on the Connecticut data:
# installs system packages, builds a release and the web map, prints the
# state summary, validates the nine planning regions as HECs, and starts
# the service (the map at http://127.0.0.1:8080/; pass --port etc.).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked
(cd web && npm ci --no-audit --no-fund && npm run build)
export HECMAP_DATA="${HECMAP_DATA:-$(pwd)/../shared/data/ct}"
./target/release/hecmap summary
plan="$(mktemp -d)/planning-regions.csv"
./target/release/hecmap example-plan planning-regions > "$plan"
./target/release/hecmap validate "$plan" || true   # exit 1: the plan breaks a rule (two regions are too small)
exec ./target/release/hecmap serve --web-dir web/dist "$@"
