// Which of a device counter's increment sites belong to the device's own driver. `rx_dropped`
// is bumped by hundreds of drivers; for `lo` only drivers/net/loopback.c and the core matter.
// The host names the driver (ethtool -i, or sysfs device/driver; loopback by its ARPHRD type),
// which is the module name Kbuild links the driver's files into (kbuild.ts), so the tree says
// which files are that driver's.
import type { KbuildMap } from '../kbuild';

export type SiteGroup = 'driver' | 'core' | 'other';

/** Code every device's counters go through: the device-independent part of the stack. */
const CORE = ['net/core/', 'net/ethernet/', 'include/linux/netdevice.h', 'include/net/'];

/** A driver name as hosts report it ("virtio_net", "ixgbe", "veth", "bridge"), checked to be one. */
export function validDriverName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}

/** Files Kbuild links into the module (or built-in object) named `driver`; `-` and `_` are one. */
export function driverFiles(kbuild: KbuildMap, driver: string): string[] {
  if (!validDriverName(driver)) return [];
  const want = driver.replace(/-/g, '_');
  return Object.entries(kbuild).filter(([, o]) => o.module.replace(/-/g, '_') === want).map(([f]) => f).sort();
}

export function siteGroup(file: string, mine: ReadonlySet<string>): SiteGroup {
  if (mine.has(file)) return 'driver';
  return CORE.some((c) => file.startsWith(c)) ? 'core' : 'other';
}

const ORDER: Record<SiteGroup, number> = { driver: 0, core: 1, other: 2 };

/** Sites with their group, the device's driver first, then the core, then every other driver. */
export function groupSites<T extends { file: string; line: number }>(sites: T[], mine: ReadonlySet<string>): Array<T & { group: SiteGroup }> {
  return sites.map((s) => ({ ...s, group: siteGroup(s.file, mine) }))
    .sort((a, b) => ORDER[a.group] - ORDER[b.group] || a.file.localeCompare(b.file) || a.line - b.line);
}
