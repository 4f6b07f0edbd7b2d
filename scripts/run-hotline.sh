#!/usr/bin/env bash
# Sets up everything, starts the sandbox Asterisk, loads the units directory and runs the
# controller and the JSON API (SQLite store).
# Stop with Ctrl-C; `callcenter sandbox stop` stops Asterisk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
callcenter sandbox start
callcenter units load --if-empty
# The JSON API beside the controller; both stop with Ctrl-C.
callcenter api &
api=$!
trap 'kill $api 2>/dev/null || true' EXIT
callcenter run
