#!/usr/bin/env bash
# Sets up everything, starts the sandbox Asterisk, loads the units directory and runs the
# controller, the JSON API, the sweeper (deadlines, supervision, notices, calendar changes), the
# reports worker and one transcriber (SQLite store: one is all it takes).
# Stop with Ctrl-C; `callcenter sandbox stop` stops Asterisk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
callcenter sandbox start
callcenter units load --if-empty
# The console's first supervisor (only while nobody exists): a one-time sign-in link.
callcenter people first-supervisor
# The console and the JSON API, and the transcriber beside the controller; all stop with
# Ctrl-C.
callcenter api &
api=$!
callcenter transcriber --threads 1 &
transcriber=$!
callcenter sweeper &
sweeper=$!
# The reports: the daily summary at 16:00, weekly and monthly; a run missed while the system
# was down is produced now, once.
callcenter reports &
reports=$!
trap 'kill $api $transcriber $sweeper $reports 2>/dev/null || true' EXIT
callcenter run
