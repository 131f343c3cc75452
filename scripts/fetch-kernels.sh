#!/usr/bin/env bash
# Unpacks Debian's linux-source trees into a cache outside git.
# Usage: scripts/fetch-kernels.sh [--pinned|--newest] [6.1 6.12 ...]   (prints "<series> <dir>" per tree)
#   --pinned  the versions kernel-pins.txt names (the tests), into CACHE/linux-source-<series>
#   --newest  the newest version the archives serve (the drift bench), into CACHE/newest/linux-source-<series>
#   (none)    the installed linux-source package, installing it when missing (npm start, users),
#             into CACHE/installed/linux-source-<series>, or the pinned tree when it is the same version
# A pinned or newest version is downloaded with `apt-get download pkg=version` and never replaces
# the installed package. An unpacked tree is reused when its stamp (written after a complete
# unpack) names the wanted version; a half-unpacked one (no stamp) is removed and unpacked again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/kernel-pins.sh"
mode=installed
case "${1:-}" in --pinned) mode=pinned; shift ;; --newest) mode=newest; shift ;; esac
series=("$@"); [ ${#series[@]} -gt 0 ] || series=(6.1 6.12)
cache="${NETPATH_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netpath/kernels}"
mkdir -p "$cache"
updated=0
apt_update() {
  [ "$updated" = 1 ] && return 0
  updated=1
  # bookworm ships 6.12 in bookworm-security; an update makes sure the index knows it.
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq >&2 || true; fi
}
stamp_of() { cat "$1/.netpath-unpacked" 2>/dev/null || true; }

# unpack SERIES VERSION DIR: the tree of linux-source-SERIES at VERSION, into DIR.
unpack() {
  local v=$1 ver=$2 dir=$3 pkg="linux-source-$1" tarball tmp
  if [ "$(stamp_of "$dir")" = "$ver" ]; then return 0; fi
  tmp="$dir.tmp"
  rm -rf "$dir" "$tmp"
  mkdir -p "$tmp"
  if [ "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)" = "$ver" ] && [ -f "/usr/src/$pkg.tar.xz" ]; then
    tarball="/usr/src/$pkg.tar.xz"
  else
    if ! served "$pkg" "$ver"; then apt_update; fi
    if ! served "$pkg" "$ver"; then
      rm -rf "$tmp"
      echo "fetch-kernels: the archives no longer serve $pkg=$ver (pinned in kernel-pins.txt)." >&2
      echo "fetch-kernels: move the pin to a served version and review the goldens: npm run pin -- $v=$(newest_version "$pkg")" >&2
      return 1
    fi
    echo "fetch-kernels: downloading $pkg=$ver" >&2
    # apt-get download writes into the current folder, which the _apt sandbox user cannot reach
    # under $HOME: download as the caller instead of warning about it.
    (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "$pkg=$ver" >&2)
    dpkg -x "$tmp"/*.deb "$tmp/deb"
    tarball="$tmp/deb/usr/src/$pkg.tar.xz"
  fi
  echo "fetch-kernels: unpacking $pkg $ver into $dir" >&2
  mkdir -p "$tmp/tree"
  tar -xJf "$tarball" -C "$tmp/tree" --strip-components=1
  echo "$ver" > "$tmp/tree/.netpath-unpacked"
  mv "$tmp/tree" "$dir"
  rm -rf "$tmp"
}

for v in "${series[@]}"; do
  pkg="linux-source-$v"
  case "$mode" in
    pinned)
      ver=$(pinned_version "$v")
      dir="$cache/$pkg"
      ;;
    newest)
      ver=$(newest_version "$pkg")
      if [ -z "$ver" ]; then apt_update; ver=$(newest_version "$pkg"); fi
      [ -n "$ver" ] || { echo "fetch-kernels: no archive serves $pkg" >&2; exit 1; }
      dir="$cache/newest/$pkg"
      ;;
    installed)
      if ! [ -f "/usr/src/$pkg.tar.xz" ]; then
        if [ "$(id -u)" -ne 0 ]; then
          echo "fetch-kernels: missing $pkg; run as root or: sudo apt-get install $pkg" >&2
          exit 1
        fi
        apt_update
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2
      fi
      ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || stat -c %Y "/usr/src/$pkg.tar.xz")
      dir="$cache/installed/$pkg"
      # The same version as the tests' tree: share its unpack (and its index) instead of a second copy.
      if [ "$(stamp_of "$cache/$pkg")" = "$ver" ]; then dir="$cache/$pkg"; fi
      ;;
  esac
  mkdir -p "$(dirname "$dir")"
  unpack "$v" "$ver" "$dir"
  echo "$v $dir"
done
