#!/usr/bin/env bash
# Debian packages pmf needs beyond Python: PDF rendering (WeasyPrint needs Pango
# and fonts), Chromium for the page tests, PostgreSQL for distributed mode and tests,
# Prometheus for the scrape test (tests/e2e/test_prometheus_scrape.py), wrk,
# the HTTP load client of the benchmarks (bench/load.py), and LibreOffice Writer
# (headless), which lays out the Word papers as a reader's Word would so their
# pages can be checked (tests/integration/test_paper_pages.py).
# Installs only what is missing; safe to run again.
set -euo pipefail

wanted=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation)
if [ "${1:-}" = "--with-test-tools" ]; then
  wanted+=(chromium postgresql openssl prometheus wrk libreoffice-writer-nogui)
fi

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "system-packages: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Keep the Debian postgresql and prometheus packages from starting servers of their own.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
trap '[ -n "$made_policy" ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
