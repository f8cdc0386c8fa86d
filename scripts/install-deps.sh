#!/usr/bin/env bash
# Installs the system packages hecmap builds and tests with (Debian 12).
# Idempotent: does nothing when everything is already installed.
#   scripts/install-deps.sh            # build and run
#   scripts/install-deps.sh --test     # also what the test suite needs
set -euo pipefail

packages=(pkg-config libgdal-dev libproj-dev libclang-dev libsqlite3-dev gdal-bin curl)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium postgresql)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
