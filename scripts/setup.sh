#!/usr/bin/env bash
# A fresh clone to a running demo in one command (`npm run setup`): install with the addons built
# offline against this Node's headers, compile tm into dist/ and put the `tm` command on PATH
# (npm link), then start the demo daemon in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
# Without it node-gyp downloads Node's headers from nodejs.org.
export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
echo "== npm ci: about 80-100 s on 2 cores, most of it compiling SQLite for better-sqlite3 (its compiler output follows)"
npm ci --no-audit --no-fund --foreground-scripts --loglevel=error
echo "== tsc: compiling tm into dist/ (about 10 s)"
npm run -s build:tsc
echo "== npm link: the tm command, on PATH as $(npm prefix -g)/bin/tm"
npm link --no-audit --no-fund --loglevel=error
echo "== the demo (examples/demo.yaml), in the background"
tm up -c examples/demo.yaml
echo "== ready: try tm status, tm top, http://127.0.0.1:4242/ (tm's console); tm down stops it all"
