#!/usr/bin/env bash
# Reproduces data/reference/ from the pinned npm packages (package-lock.json pins versions and
# integrity hashes). Needs node 20+ and npm with registry access; nothing else is downloaded.
#   tools/import-data/run.sh          rewrite data/reference/
#   tools/import-data/run.sh --check  import into a temp folder and fail unless every file is
#                                     byte-identical to the committed one (the round-trip check)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="$repo/data/reference"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

if [[ "${1:-}" == "--check" ]]; then
  node "$here/import.js" "$work/node_modules" "$work/out"
  status=0
  for f in "$work"/out/*; do
    name="$(basename "$f")"
    if ! cmp -s "$f" "$target/$name"; then
      echo "differs from the committed file: data/reference/$name" >&2
      status=1
    fi
  done
  [[ $status -eq 0 ]] && echo "round-trip ok: the import reproduces data/reference/ byte for byte"
  exit $status
fi

node "$here/import.js" "$work/node_modules" "$target"
