// The fixed, read-only shell script that collects a host's probe facts, run as `sh -s` with the
// script on stdin (over ssh, or locally). It needs no root: what an ordinary user cannot read is
// reported as `denied`, never guessed. Nothing typed by the user reaches it: the only value put into
// the text is a marker of random hex digits made by this process, checked before use. Every
// section is printed between FILE and STATUS marker lines, so the parser can tell a missing file
// from an empty one and a connection cut mid-way from a complete answer (the END line).
import { randomBytes } from 'node:crypto';

/** Bumped when the sections change; the parser refuses another version (a cached answer of an older netpath). */
export const FACTS_SCRIPT_VERSION = 1;

const MARKER = /^@@netpath-facts-[0-9a-f]{16}$/;

/** A marker no file content can contain by chance: it is not known before the script is sent. */
export function newFactsMarker(): string {
  return `@@netpath-facts-${randomBytes(8).toString('hex')}`;
}

export function isFactsMarker(m: string): boolean {
  return MARKER.test(m);
}

/**
 * The script. Sections: release, kallsyms (text symbols only, addresses zeroed: they may read as
 * zero anyway without root, and the names are what matter), modules, builtin, config (set options
 * only, from /boot or /proc/config.gz), stap and bpftrace versions, the tracing facts (tracefs,
 * the kfree_skb event and its format, kprobe_events, the kprobe perf PMU, debugfs kprobes).
 */
export function hostFactsScript(marker: string): string {
  if (!isFactsMarker(marker)) throw new Error('bad host-facts marker');
  return `# netpath host facts: read-only, no root needed.
M='${marker}'
LC_ALL=C
export LC_ALL
st() { printf '\\n%s STATUS %s\\n' "$M" "$1"; }
sec() { printf '%s FILE %s\\n' "$M" "$1"; }
# A file as it is: missing, denied, or its text.
f() {
  sec "$1"
  if [ ! -e "$2" ]; then st missing
  elif [ ! -r "$2" ]; then st denied
  elif cat "$2" 2>/dev/null; then st ok
  else st error
  fi
}
# A program's version output (both streams): missing when it is not installed.
v() {
  sec "$1"
  if ! command -v "$1" >/dev/null 2>&1; then st missing
  elif "$1" -V 2>&1; then st ok
  else st error
  fi
}
# Whether a path exists and can be read: yes, denied or no.
e() {
  if [ -r "$2" ]; then printf '%s yes\\n' "$1"
  elif [ -e "$2" ]; then printf '%s denied\\n' "$1"
  else printf '%s no\\n' "$1"
  fi
}
r=$(uname -r)
printf '%s BEGIN ${FACTS_SCRIPT_VERSION}\\n' "$M"
sec release
printf '%s\\n' "$r"
st ok
sec kallsyms
if [ ! -e /proc/kallsyms ]; then st missing
elif [ ! -r /proc/kallsyms ]; then st denied
elif sed -n 's/^[0-9a-fA-F]* \\([tT]\\) /0 \\1 /p' /proc/kallsyms 2>/dev/null; then st ok
else st error
fi
f modules /proc/modules
f builtin "/lib/modules/$r/modules.builtin"
sec config
if [ -r "/boot/config-$r" ]; then
  printf 'source /boot/config-%s\\n' "$r"
  grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$' "/boot/config-$r"
  st ok
elif [ -r /proc/config.gz ] && command -v zcat >/dev/null 2>&1; then
  printf 'source /proc/config.gz\\n'
  zcat /proc/config.gz | grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$'
  st ok
elif [ -e "/boot/config-$r" ] || [ -e /proc/config.gz ]; then st denied
else st missing
fi
v stap
v bpftrace
sec tracing
t=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
  if [ -d "$d/events" ]; then t=$d; break; fi
done
if [ -n "$t" ]; then
  printf 'tracefs %s\\n' "$t"
  e kfree_skb "$t/events/skb/kfree_skb"
  e kprobe_events "$t/kprobe_events"
# sysfs always has the empty mount point: readable and without events means tracefs is not mounted.
elif [ -e /sys/kernel/tracing ] && [ ! -r /sys/kernel/tracing ]; then printf 'tracefs denied\\n'
else printf 'tracefs no\\n'
fi
e kprobe_pmu /sys/bus/event_source/devices/kprobe
e tracepoint_pmu /sys/bus/event_source/devices/tracepoint
e debugfs_kprobes /sys/kernel/debug/kprobes/list
st ok
if [ -n "$t" ]; then f kfree_skb_format "$t/events/skb/kfree_skb/format"; fi
printf '%s END\\n' "$M"
`;
}
