#!/usr/bin/env bash
# Runs the JS SDK conformance suite (npm `pocketbase`) against a real server binary.
set -euo pipefail
PB_BIN=$(realpath "${1:-build/pb}")
cd "$(dirname "$0")"
if [ ! -f package.json ]; then echo "sdk suite: no package.json yet"; exit 0; fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund --loglevel=error; fi
PB_BIN="$PB_BIN" node --test --test-concurrency=1 ./*.test.mjs
