#!/usr/bin/env bash
# Sets up everything the tests need, then runs linters, type checks and the whole suite
# (real Asterisk 22 + SIPp, SQLite and a throwaway PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
ruff check callcenter tests bench
mypy
# Tests and benchmarks: types checked in every body, without annotating each test function;
# a None where a test expects a value fails the test itself, so Optional is not tracked there.
MYPYPATH=tests:bench mypy --explicit-package-bases --check-untyped-defs --no-strict-optional \
  --allow-untyped-defs --allow-incomplete-defs --allow-untyped-calls --allow-untyped-decorators \
  tests bench scripts
lint-imports
# Three workers, each with its own sandbox Asterisk and ports (tests/ports.py): most of the
# suite's time is SIPp calls waiting on Asterisk, which overlaps well on two cores. Then, on a
# quiet machine, the few tests that need audio to cross RTP in real time.
python3 -m pytest -q -n "${CALLCENTER_TEST_WORKERS:-3}" --dist loadgroup -m "not realtime" "$@"
python3 -m pytest -q -m realtime "$@" || [ $? -eq 5 ]  # 5: none among the tests asked for
