#!/usr/bin/env bash
# Installs the npm dependencies with `npm ci` when package-lock.json changed since the last
# install (a stamp in node_modules remembers it); quiet otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "npm is missing: install Node.js >= 20 with npm (Debian: apt-get install nodejs npm; Fedora: dnf install nodejs npm)" >&2; exit 1; }
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
