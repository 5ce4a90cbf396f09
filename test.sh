#!/usr/bin/env bash
# Runs every test from a clean checkout: installs what the tests need (npm packages; as root also
# the system tools some suites use), type-checks, checks formatting and lint (biome check), then
# runs the suites (test/run.ts).
# Usage: ./test.sh [unit] [integration] [browser] [packaging] [e2e]   (default: all that can run here)
set -euo pipefail
cd "$(dirname "$0")"
bash test/setup.sh
echo "== typecheck" && npx tsc --noEmit -p . && npx tsc -p webui
echo "== format and lint" && npx biome check .
exec npx tsx test/run.ts "$@"
