// The fixed, read-only shell script run on the host as `sh -s` with the script on stdin. It loops,
// printing one delimited snapshot per interval. Nothing typed by the user ever reaches it: the
// only values put into the text are an interval validated here as an integer and a marker made of
// random hex digits by this process. Interfaces are listed by the script itself and only ever
// appear quoted ("$i"), so names holding shell metacharacters are data, never code.
import { randomBytes } from 'node:crypto';

/** Files read as they are: source id -> path on the host. The parsers know each format. */
export const FILE_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['softnet', '/proc/net/softnet_stat'],
  ['snmp', '/proc/net/snmp'],
  ['netstat', '/proc/net/netstat'],
  ['snmp6', '/proc/net/snmp6'],
  ['udp', '/proc/net/udp'],
  ['udp6', '/proc/net/udp6'],
  ['dev', '/proc/net/dev'],
  ['interrupts', '/proc/interrupts'],
  ['softirqs', '/proc/softirqs'],
];

export const MIN_INTERVAL_S = 1;
export const MAX_INTERVAL_S = 3600;

/** Interval in whole seconds, or a clear error. Accepts a number or the digits of one. */
export function validateInterval(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_INTERVAL_S || n > MAX_INTERVAL_S) {
    throw new RangeError(`the interval must be a whole number of seconds from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** A marker no file content can contain by chance: it is not known before the script is sent. */
export function newMarker(): string {
  return `@@netpath-${randomBytes(8).toString('hex')}`;
}

export function remoteScript(intervalS: number, marker: string): string {
  const interval = validateInterval(intervalS);
  if (!/^@@netpath-[0-9a-f]{16}$/.test(marker)) throw new Error('bad snapshot marker');
  const files = FILE_SOURCES.map(([id, p]) => `  f ${id} ${p}`).join('\n');
  return `# netpath live counters: read-only, prints one snapshot every ${interval} s.
M='${marker}'
I=${interval}
LC_ALL=C
export LC_ALL
if command -v ethtool >/dev/null 2>&1; then E=1; else E=0; fi
f() {
  printf '%s FILE %s\\n' "$M" "$1"
  if [ ! -e "$2" ]; then s=missing
  elif [ ! -r "$2" ]; then s=denied
  elif cat "$2" 2>/dev/null; then s=ok
  else s=error
  fi
  printf '\\n%s STATUS %s\\n' "$M" "$s"
}
n=0
while :; do
  n=$((n + 1))
  u=; b=; r=
  read -r u _ < /proc/uptime
  read -r b < /proc/sys/kernel/random/boot_id
  read -r r < /proc/sys/kernel/osrelease
  printf '%s BEGIN %s %s %s %s\\n' "$M" "$n" "$u" "$b" "$r"
${files}
  printf '%s FILE sys\\n' "$M"
  grep -H . /sys/class/net/*/statistics/* 2>/dev/null
  printf '\\n%s STATUS ok\\n' "$M"
  for d in /sys/class/net/*; do
    [ -e "$d" ] || continue
    i=\${d##*/}
    printf '%s FILE ethtool:%s\\n' "$M" "$i"
    if [ "$E" = 0 ]; then s=missing
    else
      ethtool -S "$i" 2>/dev/null
      case $? in 0) s=ok ;; 94) s=nostats ;; 96) s=missing ;; *) s=error ;; esac
    fi
    printf '\\n%s STATUS %s\\n' "$M" "$s"
    # The driver behind the interface, once a session (drivers.ts reads it).
    if [ "$n" = 1 ]; then
      printf '%s FILE driver:%s\\n' "$M" "$i"
      t=
      read -r t < "$d/type" 2>/dev/null
      printf 'type %s\\n' "$t"
      l=$(readlink "$d/device/driver" 2>/dev/null) && printf 'sysfs %s\\n' "\${l##*/}"
      [ "$E" = 1 ] && ethtool -i "$i" 2>/dev/null | sed -n 's/^driver: /ethtool /p'
      printf '\\n%s STATUS ok\\n' "$M"
    fi
  done
  printf '%s END %s\\n' "$M" "$n"
  sleep "$I"
done
`;
}
