// Which driver runs each interface, so a device counter's sites can start with that driver's
// code (engine/drops/driver-sites.ts). The host tells it in a `driver:<ifname>` source, read once
// per session by the fixed script (remote-script.ts) or the local feed:
//   type 1            ARPHRD type from sysfs (772: loopback, which has no driver to name)
//   sysfs virtio_net  basename of /sys/class/net/IF/device/driver (physical devices)
//   ethtool veth      `ethtool -i`'s driver line (virtual devices too: veth, bridge, tun, ifb)
import type { RawSnapshot } from './types';

const ARPHRD_LOOPBACK = '772';
/** What a driver name may look like; anything else the host prints is ignored. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The driver named by one `driver:<ifname>` source, or undefined when it names none. */
export function parseDriver(text: string): string | undefined {
  const got: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(type|sysfs|ethtool) (\S+)$/.exec(line.trim());
    if (m && (m[1] === 'type' ? /^\d{1,6}$/.test(m[2]) : NAME.test(m[2]))) got[m[1]] ??= m[2];
  }
  return got.ethtool ?? got.sysfs ?? (got.type === ARPHRD_LOOPBACK ? 'loopback' : undefined);
}

/** Interface -> driver, from a snapshot's driver sources, kept from earlier snapshots. */
export function driversOf(raw: RawSnapshot, known: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const out = new Map(known);
  for (const [id, src] of raw.sources) {
    if (!id.startsWith('driver:') || src.status !== 'ok') continue;
    const d = parseDriver(src.text);
    if (d) out.set(id.slice('driver:'.length), d);
  }
  return out;
}

/** The interface of a device counter's key (`sys.eth0.rx_dropped`, `dev.lo.rx_drop`); names may hold dots. */
export function interfaceOfKey(key: string): string | undefined {
  return /^(?:sys|dev|ethtool)\.(.+)\.[^.]+$/.exec(key)?.[1];
}
