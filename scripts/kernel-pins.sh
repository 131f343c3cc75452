# Sourced by the fetch scripts: pinned_version SERIES prints the version kernel-pins.txt names.
pins_file="${NETPATH_KERNEL_PINS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/kernel-pins.txt}"
pinned_version() {
  local v
  v=$(awk -v p="linux-source-$1" '$1 == p { print $2 }' "$pins_file")
  if [ -z "$v" ]; then
    echo "kernel-pins: $pins_file names no version of linux-source-$1" >&2
    return 1
  fi
  echo "$v"
}
# The newest version of a package the configured archives serve (apt-cache madison sorts newest first).
newest_version() {
  apt-cache madison "$1" 2>/dev/null | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }'
}
# served PACKAGE VERSION: whether the archives still serve that exact version.
served() {
  apt-cache madison "$1" 2>/dev/null | awk -F'|' -v want="$2" '{ gsub(/ /, "", $2); if ($2 == want) found = 1 } END { exit found ? 0 : 1 }'
}
