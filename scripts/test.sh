#!/usr/bin/env bash
# Runs every test of Kangen on a fresh Debian machine of this project's kind.
# Installs what the tests need from Debian packages when missing (needs root, as in CI),
# starts the servers the tests talk to, stops them on exit, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v dotnet >/dev/null || { echo "test.sh: the .NET SDK (dotnet) is not on PATH" >&2; exit 1; }

# One EXIT trap stops only what this script started.
started_pcscd=0
started_postgres=0
cleanup() {
  if [ "$started_postgres" -eq 1 ]; then scripts/postgres.sh stop || true; fi
  if [ "$started_pcscd" -eq 1 ]; then scripts/pcsc.sh stop || true; fi
}
trap cleanup EXIT

# PC/SC stack for the card interoperability tests: pcscd, vsmartcard-vpcd, OpenSC.
scripts/pcsc.sh install
if scripts/pcsc.sh status >/dev/null 2>&1; then
  echo "test.sh: using the pcscd that is already running"
else
  scripts/pcsc.sh start
  started_pcscd=1
fi

# A throwaway PostgreSQL 15 for the platform's integration suite (each test fixture makes its own database).
scripts/postgres.sh install
if scripts/postgres.sh status >/dev/null 2>&1; then
  echo "test.sh: using the throwaway PostgreSQL that is already running"
else
  scripts/postgres.sh start
  started_postgres=1
fi
export KANGEN_TEST_POSTGRES="$(scripts/postgres.sh url)"

# Debian's Chromium for the browser tests (tests/Kangen.Web.Tests, driven headless by Playwright), and Noto CJK so
# that Japanese and Chinese text renders as glyphs, not boxes, in their screenshots.
scripts/debian-packages.sh chromium fonts-noto-cjk
export KANGEN_CHROMIUM=/usr/bin/chromium

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build Kangen.slnx -c Release -nologo -clp:ErrorsOnly -warnaserror
status=0
dotnet test Kangen.slnx -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?

# One plain closing line over all test projects, counted from the TRX files.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
echo
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
