#!/usr/bin/env bash
# Installs the Debian packages the tests and the benchmark use (run as root, or it prints the
# command to run). Idempotent: packages already present are left alone.
set -euo pipefail
# The kernel trees themselves are not here: scripts/fetch-kernels.sh --pinned downloads the versions
# kernel-pins.txt names (the tests), and without --pinned installs linux-source-6.1 (npm start).
# linux-config-* gives the tests a real .config for `stap -p1`.
packages=(linux-config-6.1 linux-config-6.12 universal-ctags global cscope util-linux systemtap
  # code-server's native modules (scripts/code-server.mjs) and the browser of the e2e suite
  libkrb5-dev pkg-config build-essential python3 ripgrep chromium
  # live counters tests: a real sshd on loopback, ssh, ethtool -S, ip netns
  openssh-server openssh-client ethtool iproute2
  # bpftrace output: `bpftrace -d` checks every generated script, and the live drop test runs one
  bpftrace
  # live drops with --sudo: the test runs the session through `sudo -n sh -s` as a test user
  sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system: missing Debian packages: ${missing[*]}" >&2
  echo "setup-system: run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
