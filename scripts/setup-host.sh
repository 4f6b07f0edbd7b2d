#!/usr/bin/env bash
# Installs what the hotline needs on a fresh Debian 12 machine (as root): Debian packages,
# the Python package with its test tools, and the sandbox Asterisk root (cached by version).
set -euo pipefail
cd "$(dirname "$0")/.."
# Reports: Pango for WeasyPrint's PDF, a CJK font for Chinese in the PDF, poppler-utils
# (pdftoppm, pdftotext) for the tests that look at the rendered pages. Chromium: the
# console's browser tests (Playwright drives Debian's build; its own download cannot work).
# systemd: systemd-analyze checks the units `callcenter render` writes. kamailio: the SIP proxy
# of the two-Asterisk scale-out (dispatcher module; started by the tests, never as a service).
need=(debootstrap sip-tester espeak-ng sox ffmpeg postgresql libpango-1.0-0 libpangoft2-1.0-0
      libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium systemd kamailio)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -m pip install -q -e '.[test]'
# Provision (or verify) the cached Asterisk 22 root; a second run is a no-op.
callcenter sandbox install
