#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs,
# checks formatting and lints, and runs every test (unit, integration,
# doc tests, each benchmark once in test mode), then the API against its
# OpenAPI description and the web map in a headless browser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export HECMAP_DATA="${HECMAP_DATA:-$(pwd)/../shared/data/ct}"
# The negotiation storage tests run against SQLite and this PostgreSQL.
if [[ -z "${HECMAP_TEST_DATABASE_URL:-}" ]]; then
  HECMAP_TEST_DATABASE_URL=$(scripts/start-postgres.sh)
fi
export HECMAP_TEST_DATABASE_URL
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo test --locked --workspace --all-targets
cargo test --locked --workspace --doc
# Doc links name real items (they break silently when modules move).
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps
scripts/test-api-schema.sh
if [[ -x scripts/test-web.sh ]]; then scripts/test-web.sh; fi
