#!/usr/bin/env bash
# Installs the Debian packages given as arguments when any is missing (as root, or through sudo), and fails when one
# is still missing afterwards. Used by scripts/pcsc.sh and scripts/test.sh; prints what it found or installed.
#   scripts/debian-packages.sh chromium fonts-noto-cjk
set -euo pipefail

die() { echo "debian-packages.sh: $*" >&2; exit 1; }
[ "$#" -gt 0 ] || die "usage: scripts/debian-packages.sh PACKAGE..."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root (or sudo) for: $*"; fi
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

missing=$(missing_packages "$@")
if [ -z "$missing" ]; then
  echo "debian-packages.sh: installed already:" "$@"
  exit 0
fi
echo "debian-packages.sh: installing:" $missing
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
# shellcheck disable=SC2086
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
  || die "apt-get install failed for: $missing"
missing=$(missing_packages "$@")
[ -z "$missing" ] || die "still missing after install: $missing"
echo "debian-packages.sh: installed:" "$@"
