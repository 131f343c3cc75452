// The fixed root script of a live drop session, run on the host as `sh -s` (or `sudo -n sh -s`)
// with the script on stdin. The only values put into its text are validated here: the interval
// and the per-interval cap as integers, the source as one of three fixed words, and the marker as
// random hex made by this process.
//
// Source of events, best first (`auto`): bpftrace when the host has it, counting per (location
// address, reason number) in the kernel and printing the map each interval; awk turns each new
// address into `symbol+0xoff/0xsize` with one pass over /proc/kallsyms (bpftrace 0.17's ksym()
// drops the offset). Else the tracefs event itself, whose `%pS` prints symbol+offset.
// bpftrace changes nothing persistent: its probes go when its process does, whatever kills it;
// its output goes through a FIFO in a private directory /tmp/netpath-live-<pid>, removed at the end.
//
// What the tracefs source changes on the host, and how it puts it back:
// - It makes its own tracefs instance `instances/netpath-<pid>` (a private ring buffer) and
//   enables `skb:kfree_skb` only there. The global `events/skb/kfree_skb/enable`, the global
//   buffer and anyone else's trace_pipe reader are never touched, so "restore the state found"
//   holds even when another tool had the event on. Its ticks go to the instance's trace_marker.
// - tracefs is mounted only when it is not, and then unmounted at the end.
// - On every exit path (EXIT INT TERM HUP PIPE, awk ending, stdin closing) `finish` writes 0 to
//   the instance's enable, stops its own processes and removes the instance. A watchdog reads
//   stdin, which the client keeps open and never writes after the script: when the client, its
//   ssh or sshd dies, stdin closes and the session ends itself. Only SIGKILL of this shell can
//   skip `finish`; the next session removes instances whose owning shell is gone.
// Without root it prints an ERROR line and changes nothing.
import { randomBytes } from 'node:crypto';
import { validateInterval } from '../../../live-counters/remote-script';

/** Events parsed per interval before sampling starts (awk's work is bounded under a flood). */
export const DEFAULT_CAP = 50_000;
/** Over the cap, one event in SAMPLE_EVERY is attributed (weighted by it). */
export const SAMPLE_EVERY = 16;

export function newSessionMarker(): string {
  return `@@netpath-${randomBytes(8).toString('hex')}`;
}

export type LiveSource = 'auto' | 'bpftrace' | 'tracefs';
export const LIVE_SOURCES: readonly LiveSource[] = ['auto', 'bpftrace', 'tracefs'];

export function validateSource(v: unknown): LiveSource {
  if (typeof v !== 'string' || !(LIVE_SOURCES as readonly string[]).includes(v)) throw new RangeError(`the source must be one of ${LIVE_SOURCES.join(', ')}, not ${JSON.stringify(v)}`);
  return v as LiveSource;
}

export function validateCap(cap: unknown): number {
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 100 || cap > 10_000_000) throw new RangeError(`the per-interval cap must be an integer from 100 to 10000000, not ${JSON.stringify(cap)}`);
  return cap;
}

export function sessionScript(intervalS: number, marker: string, cap = DEFAULT_CAP, source: LiveSource = 'auto'): string {
  const interval = validateInterval(intervalS);
  const c = validateCap(cap);
  const src = validateSource(source);
  if (!/^@@netpath-[0-9a-f]{16}$/.test(marker)) throw new Error('bad session marker');
  return `# netpath live drops: root; counts skb:kfree_skb per interval (bpftrace, or its own tracefs instance).
{
M='${marker}'
I=${interval}
CAP=${c}
S=${SAMPLE_EVERY}
SRC=${src}
LC_ALL=C
export LC_ALL
NETPATH_LIVE=$M
export NETPATH_LIVE
umask 077
say() { printf '%s %s\\n' "$M" "$*" 2>/dev/null; }
exec 3<&0
if [ "$(id -u)" != 0 ]; then
  say ERROR notroot "user $(id -un) is not root: the kfree_skb tracepoint needs root; nothing was changed"
  exit 0
fi
T=/sys/kernel/tracing
MNT=0
if [ ! -d "$T/events" ] && [ -d /sys/kernel/debug/tracing/events ]; then T=/sys/kernel/debug/tracing; fi
if [ ! -d "$T/events" ]; then
  if mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then T=/sys/kernel/tracing; MNT=1
  else say ERROR notracefs "tracefs is not mounted and mounting it failed: nothing was changed"; exit 0
  fi
fi
U=tracefs
if [ "$SRC" != tracefs ] && command -v bpftrace >/dev/null 2>&1; then U=bpftrace; fi
E=
if [ ! -d "$T/events/skb/kfree_skb" ]; then E="this kernel has no skb:kfree_skb tracepoint"
elif [ "$SRC" = bpftrace ] && [ "$U" != bpftrace ]; then E="bpftrace is not installed"
elif [ "$U" = tracefs ] && [ ! -d "$T/instances" ]; then E="this tracefs has no instances"
fi
if [ -n "$E" ]; then
  [ "$MNT" = 1 ] && umount "$T"
  say ERROR unsupported "$E: nothing was changed"
  exit 0
fi
for o in "$T"/instances/netpath-* /tmp/netpath-live-*; do
  [ -d "$o" ] && [ ! -L "$o" ] && [ -O "$o" ] || continue
  p=\${o##*-}
  case $p in *[!0-9]*|'') continue ;; esac
  kill -0 "$p" 2>/dev/null && continue
  if [ -d "$o/events" ]; then echo 0 > "$o/events/skb/kfree_skb/enable" 2>/dev/null; rmdir "$o" 2>/dev/null
  else rm -rf "$o"
  fi
done
G=
read -r G < "$T/events/skb/kfree_skb/enable"
D=
Q=
if [ "$U" = tracefs ]; then
  D="$T/instances/netpath-$$"
  mkdir "$D" 2>/dev/null || { D=; E="cannot make the tracefs instance"; }
else
  Q="/tmp/netpath-live-$$"
  if mkdir "$Q" 2>/dev/null; then mkfifo "$Q/p" || E="cannot make a FIFO in $Q"
  else Q=; E="cannot make /tmp/netpath-live-$$"
  fi
fi
if [ -n "$E" ]; then
  [ -n "$Q" ] && rm -rf "$Q"
  [ "$MNT" = 1 ] && umount "$T"
  say ERROR setup "$E: nothing was changed"
  exit 0
fi
A=
B=
K=
W=
F=0
finish() {
  [ "$F" = 1 ] && return
  F=1
  trap '' INT TERM HUP PIPE
  [ -n "$D" ] && echo 0 > "$D/events/skb/kfree_skb/enable" 2>/dev/null
  for p in $B $K $W $A; do kill "$p" 2>/dev/null; done
  for p in $B $K $W $A; do wait "$p" 2>/dev/null; done
  [ -n "$D" ] && rmdir "$D" 2>/dev/null
  [ -n "$Q" ] && rm -rf "$Q"
  [ "$MNT" = 1 ] && umount "$T" 2>/dev/null
  say STOPPED "$1"
}
trap 'finish exit' EXIT
trap 'finish signal; exit 0' INT TERM HUP PIPE
say HELLO "$$" "$(uname -r)" "$T" "\${D:-$Q}" "\${G:-?}" "$MNT" "$U"
say FORMAT
grep '^print fmt' "$T/events/skb/kfree_skb/format"
say FORMATEND
# mawk fills its whole input buffer from a pipe before it runs; interactive mode hands lines over as they come.
X=
case "$(awk -W version 2>&1)" in mawk*) X='-W interactive' ;; esac
if [ "$U" = tracefs ]; then
awk $X -v M="$M" -v CAP="$CAP" -v S="$S" '
function flush() {
  u = "?"
  if ((getline l < "/proc/uptime") > 0) { split(l, a, " "); u = a[1] }
  close("/proc/uptime")
  seq++
  printf "%s BEGIN %d %s\\n", M, seq, u
  for (k in c) printf "C %d %s\\n", c[k], k
  printf "%s STATS %d %d %d %d\\n", M, n, capped, lost, S
  printf "%s END %d\\n", M, seq
  fflush()
  split("", c)
  n = 0; capped = 0; lost = 0
}
/tracing_mark_write: netpath-tick/ { flush(); next }
/\\[LOST [0-9]+ EVENTS\\]/ { if (match($0, /LOST [0-9]+/)) lost += substr($0, RSTART + 5, RLENGTH - 5); next }
/ kfree_skb: / {
  n++
  w = 1
  if (n > CAP) { capped++; if (capped % S) next; w = S }
  loc = "?"; r = "-"
  i = index($0, " location=")
  if (i) { x = substr($0, i + 10); j = index(x, " "); loc = j ? substr(x, 1, j - 1) : x }
  i = index($0, " reason: ")
  if (i) { r = substr($0, i + 9); sub(/[ \\t\\r]+$/, "", r) }
  c[loc " " r] += w
}
' < "$D/trace_pipe" &
A=$!
echo 1 > "$D/events/skb/kfree_skb/enable"
( while sleep "$I"; do echo netpath-tick > "$D/trace_marker" 2>/dev/null || break; done ) &
K=$!
else
awk $X -v M="$M" -v S="$S" '
function hex(h, i, v) { v = 0; for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; return v }
function symbolize(t, l, f, a, o, z) {
  # One pass over kallsyms for the addresses not seen before; 16-digit hex compares as text.
  while ((getline l < "/proc/kallsyms") > 0) {
    split(l, f, " ")
    if (length(f[1]) != 16) continue
    a = "x" f[1]
    for (t in pend) {
      if (a <= "x" t) { if (!(t in lo) || a > "x" lo[t]) { lo[t] = f[1]; nm[t] = f[3] } }
      else if (!(t in hi) || a < "x" hi[t]) hi[t] = f[1]
    }
  }
  close("/proc/kallsyms")
  for (t in pend) {
    if ((t in lo) && lo[t] != "0000000000000000") {
      # the low 12 digits: exact in awk numbers, and a function never spans 2^48 bytes
      o = hex(substr(t, 5)) - hex(substr(lo[t], 5))
      z = (t in hi) ? hex(substr(hi[t], 5)) - hex(substr(lo[t], 5)) : o + 1
      sym[t] = sprintf("%s+0x%x/0x%x", nm[t], o, z)
    } else sym[t] = "0x" t
  }
  split("", pend)
}
function flush(k, p) {
  symbolize()
  u = "?"
  if ((getline l < "/proc/uptime") > 0) { split(l, q, " "); u = q[1] }
  close("/proc/uptime")
  seq++
  printf "%s BEGIN %d %s\\n", M, seq, u
  for (k in c) { split(k, p, " "); printf "C %d %s #%s\\n", c[k], sym[p[1]], p[2] }
  printf "%s STATS %d 0 0 %d\\n", M, n, S
  printf "%s END %d\\n", M, seq
  fflush()
  split("", c)
  n = 0
}
/^netpath-tick$/ { flush(); next }
/^@drops\\[0x[0-9a-f]+, [0-9]+\\]: [0-9]+$/ {
  x = substr($0, 10)
  split(x, p, /[], :]+/)
  t = p[1]
  while (length(t) < 16) t = "0" t
  if (!(t in sym)) pend[t] = 1
  c[t " " p[2]] += p[3]
  n += p[3]
}
' < "$Q/p" &
A=$!
bpftrace -B line -e 'tracepoint:skb:kfree_skb { @drops[args->location, args->reason] = count(); }
interval:s:'"$I"' { print(@drops); clear(@drops); printf("netpath-tick\\n"); }' > "$Q/p" 2> "$Q/err" &
B=$!
fi
( while read -r _ <&3; do :; done; kill -TERM $$ 2>/dev/null ) &
W=$!
wait "$A"
if [ -n "$B" ] && ! kill -0 "$B" 2>/dev/null; then
  say ERROR bpftrace "bpftrace ended: $(grep -v RLIMIT_MEMLOCK "$Q/err" | tail -n 1)"
fi
finish ended
exit 0
}
`;
}
