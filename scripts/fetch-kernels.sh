#!/usr/bin/env bash
# Installs Debian's linux-source packages and unpacks them into a cache outside git.
# Usage: scripts/fetch-kernels.sh [6.1 6.12 ...]   (prints "<version> <dir>" per tree)
# Reuses an unpacked tree when the package version matches the stamp written after a
# complete unpack; a half-unpacked tree (no stamp) is removed and unpacked again.
set -euo pipefail
versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=(6.1 6.12)
cache="${NETPATH_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netpath/kernels}"
mkdir -p "$cache"

need=()
for v in "${versions[@]}"; do
  [ -f "/usr/src/linux-source-$v.tar.xz" ] || need+=("linux-source-$v")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fetch-kernels: missing ${need[*]}; run as root or: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  # bookworm ships 6.12 in bookworm-security; an update makes sure the index knows it.
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

for v in "${versions[@]}"; do
  tarball="/usr/src/linux-source-$v.tar.xz"
  pkgver=$(dpkg-query -W -f='${Version}' "linux-source-$v" 2>/dev/null || stat -c %Y "$tarball")
  dir="$cache/linux-source-$v"
  stamp="$dir/.netpath-unpacked"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgver" ]; then
    echo "$v $dir"; continue
  fi
  echo "fetch-kernels: unpacking $tarball ($pkgver) into $dir" >&2
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp"
  tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
  echo "$pkgver" > "$dir.tmp/.netpath-unpacked"
  mv "$dir.tmp" "$dir"
  echo "$v $dir"
done
