#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs,
# checks formatting and lints, and runs every test (unit, integration,
# doc tests, and each benchmark once in test mode).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export HECMAP_DATA="${HECMAP_DATA:-$(pwd)/../shared/data/ct}"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
cargo test --locked --doc
