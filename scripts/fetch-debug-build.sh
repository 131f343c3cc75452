#!/usr/bin/env bash
# Downloads Debian's debug build of the kernel whose source the tests index (linux-source-6.12 at
# the version kernel-pins.txt names), unpacks it into a cache outside git and links it where
# SystemTap looks, so that `stap -r REL -p2` resolves probe points against the real DWARF.
# Usage: scripts/fetch-debug-build.sh [--newest]    (prints "<REL> <dir>")
#   --newest  the build of the newest linux-source-6.12 the archives serve (the drift bench)
# Reuses an unpack whose stamp names the source package's version; a half-unpacked one (no stamp)
# is removed and unpacked again. Needs root to download and to make the links; without root it
# only reports what is ready, or the command to run.
set -euo pipefail
series=6.12
cache="${NETPATH_DEBUG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netpath/debug}"

. "$(cd "$(dirname "$0")" && pwd)/kernel-pins.sh"
if [ "${1:-}" = "--newest" ]; then srcver=$(newest_version "linux-source-$series"); else srcver=$(pinned_version "$series"); fi
if [ -z "$srcver" ]; then
  echo "fetch-debug-build: no version of linux-source-$series is known (apt-get update as root first)" >&2
  exit 1
fi
# 6.12.117-1~deb12u1 -> ABI 6.12.117+deb12: Debian names a kernel backported to release N "+debN".
upstream=${srcver%%-*}
dist=$(sed -n 's/.*~\(deb[0-9][0-9]*\).*/\1/p' <<<"$srcver")
if [ -z "$dist" ]; then dist="deb$(. /etc/os-release && echo "${VERSION_ID%%.*}")"; fi
V="$upstream+$dist"
arch=$(dpkg --print-architecture)
REL="$V-$arch"
dest="$cache/$REL"
stamp="$dest/.netpath-unpacked"
packages=("linux-image-$REL-dbg" "linux-headers-$REL" "linux-headers-$V-common" "linux-kbuild-$V")

# Where stap looks for a release's vmlinux, modules and build tree, and where the unpack holds them.
links=(
  "/usr/lib/debug/boot/vmlinux-$REL=$dest/usr/lib/debug/boot/vmlinux-$REL"
  "/usr/lib/debug/lib/modules/$REL=$dest/usr/lib/debug/lib/modules/$REL"
  "/usr/src/linux-headers-$REL=$dest/usr/src/linux-headers-$REL"
  "/usr/src/linux-headers-$V-common=$dest/usr/src/linux-headers-$V-common"
  "/usr/lib/linux-kbuild-$V=$dest/usr/lib/linux-kbuild-$V"
  "/lib/modules/$REL/build=/usr/src/linux-headers-$REL"
  # Without it stap warns "Kernel function symbol table missing".
  "/boot/System.map-$REL=$dest/usr/lib/debug/boot/System.map-$REL"
  # module("tap") is looked up under /lib/modules/REL/kernel: point it at the modules with DWARF.
  "/lib/modules/$REL/kernel=/usr/lib/debug/lib/modules/$REL/kernel"
)
links_ok() {
  local l
  for l in "${links[@]}"; do [ -e "${l%%=*}" ] || return 1; done
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$srcver" ] && links_ok; then
  echo "$REL $dest"; exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "fetch-debug-build: the debug build $REL is not set up under $dest; run as root: scripts/fetch-debug-build.sh" >&2
  exit 1
fi

if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$srcver" ]; then
  if ! served "linux-image-$REL-dbg" "$srcver"; then apt-get update -qq >&2 || true; fi
  if ! served "linux-image-$REL-dbg" "$srcver"; then
    have=$(newest_version "linux-image-$REL-dbg")
    echo "fetch-debug-build: linux-source-$series is pinned at $srcver but the archives serve linux-image-$REL-dbg at ${have:-no version};" \
      "the debug build must be the same kernel as the indexed source: move the pin (npm run pin -- $series=$(newest_version "linux-source-$series")) and review the goldens" >&2
    exit 1
  fi
  echo "fetch-debug-build: downloading ${packages[*]} ($srcver, about 1 GB) into $dest" >&2
  start=$(date +%s)
  rm -rf "$dest" "$dest.tmp"
  mkdir -p "$dest.tmp/debs"
  # apt-get download writes into the current folder, which the _apt sandbox user cannot reach
  # under $HOME: download as root instead of warning about it.
  (cd "$dest.tmp/debs" && apt-get download -qq -o APT::Sandbox::User=root "${packages[@]/%/=$srcver}" >&2)
  for f in "$dest.tmp"/debs/*.deb; do dpkg -x "$f" "$dest.tmp"; done
  rm -rf "$dest.tmp/debs"
  echo "$srcver" > "$dest.tmp/.netpath-unpacked"
  mv "$dest.tmp" "$dest"
  echo "fetch-debug-build: downloaded and unpacked in $(( $(date +%s) - start )) s" >&2
fi

for l in "${links[@]}"; do
  at=${l%%=*}; to=${l#*=}
  # A real file there (the package installed for real) is better than our link: leave it.
  if [ -e "$at" ] && ! [ -L "$at" ]; then continue; fi
  mkdir -p "$(dirname "$at")"
  ln -sfn "$to" "$at"
done
echo "$REL $dest"
