#!/usr/bin/env bash
# Moves the kernel pins (kernel-pins.txt) to new Debian point releases, as a change to review:
# fetches the trees (and the 6.12 debug build), regenerates every golden file from them and prints
# the diff of the goldens. Nothing is committed: read the diff, run `npm test`, then commit
# kernel-pins.txt and test/golden together ("git checkout kernel-pins.txt test/golden" undoes it).
# Usage: npm run pin                           every series to the newest version the archives serve
#        npm run pin -- 6.12=6.12.118-1~deb12u1   one series to a named version (also to go back)
# Needs root for apt-get update and the debug build's links, like the test suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/kernel-pins.sh
if [ "$(id -u)" -eq 0 ]; then apt-get update -qq >&2 || true; fi

declare -A want=()
if [ $# -eq 0 ]; then
  for s in $(awk '/^linux-source-/ { sub("linux-source-", "", $1); print $1 }' "$pins_file"); do
    want[$s]=$(newest_version "linux-source-$s")
  done
else
  for a in "$@"; do
    case "$a" in *=*) want[${a%%=*}]=${a#*=} ;; *) echo "move-pins: expected SERIES=VERSION, got \"$a\"" >&2; exit 2 ;; esac
  done
fi
moved=()
for s in "${!want[@]}"; do
  v=${want[$s]}
  old=$(pinned_version "$s")
  [ -n "$v" ] || { echo "move-pins: no archive serves linux-source-$s" >&2; exit 1; }
  served "linux-source-$s" "$v" || { echo "move-pins: the archives do not serve linux-source-$s=$v" >&2; exit 1; }
  if [ "$v" = "$old" ]; then echo "move-pins: linux-source-$s stays at $v"; continue; fi
  echo "move-pins: linux-source-$s $old -> $v"
  sed -i "s/^linux-source-$s .*/linux-source-$s $v/" "$pins_file"
  moved+=("$s")
done
if [ ${#moved[@]} -eq 0 ]; then echo "move-pins: nothing to move"; exit 0; fi

bash scripts/fetch-kernels.sh --pinned "${moved[@]}"
for s in "${moved[@]}"; do [ "$s" = 6.12 ] && bash scripts/fetch-debug-build.sh >/dev/null; done
npm run build >/dev/null
# Only the golden tests, writing instead of comparing; the rest of the suite then checks the new
# trees as usual (its expected lines are read from the trees, so they move with them).
status=0
NETPATH_UPDATE_GOLDEN=1 node --import tsx --test --test-name-pattern='golden' \
  test/kernel/cli.test.ts test/kernel/drops.test.ts test/kernel/probes.test.ts test/unit/stap-grammar.test.ts >"${TMPDIR:-/tmp}/netpath-move-pins.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "move-pins: a golden test failed (its log: ${TMPDIR:-/tmp}/netpath-move-pins.log); the diff below is partial" >&2
fi
echo "move-pins: goldens regenerated; their changes, to review before committing:"
git --no-pager diff --stat -- kernel-pins.txt test/golden
git --no-pager diff -- test/golden
exit "$status"
