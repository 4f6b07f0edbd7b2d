#!/usr/bin/env bash
# Sets up everything the tests need, then runs linters, type checks and the whole suite
# (real Asterisk 22 + SIPp, SQLite and a throwaway PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
ruff check callcenter tests bench
mypy
lint-imports
python3 -m pytest -q "$@"
