#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need; a no-op when all are present.
set -euo pipefail
PKGS="build-essential cmake ninja-build ccache pkg-config libpistache-dev rapidjson-dev libboost-dev \
libfmt-dev libsqlite3-dev sqlite3 libgtest-dev libgmock-dev libssl-dev libcrypt-dev zlib1g-dev libgd-dev libzip-dev libre2-dev libcurl4-openssl-dev curl wrk gnuplot-nox nodejs npm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# node/npm may come from another source (nodesource); accept any working node >= 18.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=$(echo "$missing" | sed -e 's/\bnodejs\b//' -e 's/\bnpm\b//')
fi
missing=$(echo "$missing" | xargs)
if [ -n "$missing" ]; then
  echo "installing: $missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
