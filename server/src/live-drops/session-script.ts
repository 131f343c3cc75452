// The fixed root script of a live drop session, run on the host as `sh -s` (or `sudo -n sh -s`)
// with the script on stdin. The only values put into its text are validated here: the interval
// and the per-interval cap as integers, and the marker as random hex made by this process.
//
// What it changes on the host, and how it puts it back:
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
import { validateInterval } from '../counters/remote-script';

/** Events parsed per interval before sampling starts (awk's work is bounded under a flood). */
export const DEFAULT_CAP = 50_000;
/** Over the cap, one event in SAMPLE_EVERY is attributed (weighted by it). */
export const SAMPLE_EVERY = 16;

export function newSessionMarker(): string {
  return `@@netpath-${randomBytes(8).toString('hex')}`;
}

export function validateCap(cap: unknown): number {
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 100 || cap > 10_000_000) throw new RangeError(`the per-interval cap must be an integer from 100 to 10000000, not ${JSON.stringify(cap)}`);
  return cap;
}

export function sessionScript(intervalS: number, marker: string, cap = DEFAULT_CAP): string {
  const interval = validateInterval(intervalS);
  const c = validateCap(cap);
  if (!/^@@netpath-[0-9a-f]{16}$/.test(marker)) throw new Error('bad session marker');
  return `# netpath live drops: root; counts skb:kfree_skb per interval in its own tracefs instance.
{
M='${marker}'
I=${interval}
CAP=${c}
S=${SAMPLE_EVERY}
LC_ALL=C
export LC_ALL
NETPATH_LIVE=$M
export NETPATH_LIVE
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
if [ ! -d "$T/events/skb/kfree_skb" ] || [ ! -d "$T/instances" ]; then
  [ "$MNT" = 1 ] && umount "$T"
  say ERROR noevent "this kernel has no skb:kfree_skb tracepoint or no tracefs instances: nothing was changed"
  exit 0
fi
for o in "$T"/instances/netpath-*; do
  [ -d "$o" ] || continue
  p=\${o##*-}
  case $p in *[!0-9]*|'') continue ;; esac
  kill -0 "$p" 2>/dev/null && continue
  echo 0 > "$o/events/skb/kfree_skb/enable" 2>/dev/null
  rmdir "$o" 2>/dev/null
done
G=
read -r G < "$T/events/skb/kfree_skb/enable"
D="$T/instances/netpath-$$"
if ! mkdir "$D" 2>/dev/null; then
  [ "$MNT" = 1 ] && umount "$T"
  say ERROR noinstance "cannot make the tracefs instance $D: nothing was changed"
  exit 0
fi
A=
K=
W=
F=0
finish() {
  [ "$F" = 1 ] && return
  F=1
  trap '' INT TERM HUP PIPE
  echo 0 > "$D/events/skb/kfree_skb/enable" 2>/dev/null
  for p in $K $W $A; do kill "$p" 2>/dev/null; done
  for p in $K $W $A; do wait "$p" 2>/dev/null; done
  rmdir "$D" 2>/dev/null
  [ "$MNT" = 1 ] && umount "$T" 2>/dev/null
  say STOPPED "$1"
}
trap 'finish exit' EXIT
trap 'finish signal; exit 0' INT TERM HUP PIPE
say HELLO "$$" "$(uname -r)" "$T" "netpath-$$" "\${G:-?}" "$MNT"
say FORMAT
grep '^print fmt' "$T/events/skb/kfree_skb/format"
say FORMATEND
# mawk fills its whole input buffer from a pipe before it runs; interactive mode hands lines over as they come.
X=
case "$(awk -W version 2>&1)" in mawk*) X='-W interactive' ;; esac
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
( while read -r _ <&3; do :; done; kill -TERM $$ 2>/dev/null ) &
W=$!
wait "$A"
finish ended
exit 0
}
`;
}
