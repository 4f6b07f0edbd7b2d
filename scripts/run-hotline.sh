#!/usr/bin/env bash
# Sets up everything, starts the sandbox Asterisk and runs the controller (SQLite store).
# Stop with Ctrl-C; `callcenter sandbox stop` stops Asterisk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
callcenter sandbox start
exec callcenter run
