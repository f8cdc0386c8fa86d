#!/usr/bin/env bash
# Sets up a fresh machine and runs hecmap on the Connecticut data:
# installs system packages, builds a release, prints the state summary,
# validates the nine planning regions as HECs, and starts the service.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked
export HECMAP_DATA="${HECMAP_DATA:-$(pwd)/../shared/data/ct}"
./target/release/hecmap summary
plan="$(mktemp -d)/planning-regions.csv"
./target/release/hecmap example-plan planning-regions > "$plan"
./target/release/hecmap validate "$plan" || true   # exit 1: the plan breaks a rule (two regions are too small)
if ./target/release/hecmap serve --help >/dev/null 2>&1; then
  exec ./target/release/hecmap serve "$@"
fi
