#!/usr/bin/env bash
# `pbplug new` + `pbplug build` against the SDK as `cmake --install --component sdk` lays it out
# (not the source tree), then checks the plugin's exported surface.
# usage: pbplug_installed_sdk.sh PBPLUG BUILD_DIR
set -euo pipefail
PBPLUG=$1 BUILD=$2
TMP=$(mktemp -d /tmp/pbplug-sdk.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cmake --install "$BUILD" --component sdk --prefix "$TMP/sdk" >/dev/null
SDK_DIR=$(dirname "$(find "$TMP/sdk" -name PbSdkConfig.cmake | head -1)")
[ -n "$SDK_DIR" ] || { echo "PbSdkConfig.cmake not installed"; exit 1; }
# Nothing of the installed SDK may point back into the source tree.
if grep -rq "$(cd "$(dirname "$0")/../.." && pwd)" "$TMP/sdk"; then echo "installed SDK refers to the source tree"; exit 1; fi
for lang in cpp c; do
  "$PBPLUG" new "greet_$lang" --lang "$lang" --dir "$TMP" >/dev/null
  "$PBPLUG" build "$TMP/greet_$lang" --plugins "$TMP/plugins" --sdk "$SDK_DIR" >"$TMP/build-$lang.log" 2>&1 ||
    { cat "$TMP/build-$lang.log"; exit 1; }
  so="$TMP/plugins/greet_$lang.so"
  [ -f "$so" ] || { echo "missing $so"; exit 1; }
  exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^$' | sort | tr '\n' ' ')
  [ "$exported" = "pb_plugin_init_v1 pb_plugin_manifest_v1 " ] || { echo "unexpected exports: $exported"; exit 1; }
done
echo "pbplug against the installed SDK: ok"
