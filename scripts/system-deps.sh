#!/usr/bin/env bash
# Installs the Debian packages onestop needs, only when something is missing.
# Usage: scripts/system-deps.sh [unit|test|bench]   (default: test)
#   unit   the quick lane (make check): fonts and poppler for the forms tests
#   test   make test: unit + PostgreSQL binaries + Chromium for the browser tests
#   bench  make bench: PostgreSQL binaries + wrk
set -euo pipefail
lane=${1:-test}
case $lane in unit | test | bench) ;; *) echo "usage: $0 [unit|test|bench]" >&2; exit 2 ;; esac
need=()
if [ "$lane" != unit ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
if [ "$lane" != bench ]; then
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  # Read into a variable first: `fc-list | grep -q` under pipefail fails whenever grep stops
  # reading early (fc-list then dies of SIGPIPE), which made the fonts look missing.
  fonts=$(fc-list 2>/dev/null || true)
  # fonts-noto-core: Noto Serif of the forms and Noto Sans of the signature stamp (signing.pades).
  grep -qi "Noto Serif" <<<"$fonts" || need+=(fonts-noto-core)
  grep -qi "DejaVu Sans" <<<"$fonts" || need+=(fonts-dejavu-core)
fi
if [ "$lane" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ "$lane" = bench ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
