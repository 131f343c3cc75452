// Which name the drop-site engine (server/src/engine/drops) knows a live counter by, so that a
// click on a counter can list the kernel lines that increment it. Driver-specific sources
// (ethtool -S, IRQ and softirq counts) have no such name.
import { DEV_TO_SYS } from './knowledge';
import type { Counter } from './types';

export function sitesName(c: Pick<Counter, 'source' | 'group' | 'name' | 'gauge'>): string | undefined {
  // Gauges have no increments; colN are columns the kernel prints without a name (always 0).
  if (c.gauge || /^col\d+$/.test(c.name)) return undefined;
  switch (c.source) {
    case 'snmp':
    case 'netstat':
      return `${c.group}:${c.name}`;
    case 'snmp6':
      return c.name;
    case 'softnet':
      return `/proc/net/softnet_stat:${c.name}`;
    case 'sys':
      return c.name;
    case 'dev':
      return Object.hasOwn(DEV_TO_SYS, c.name) ? DEV_TO_SYS[c.name] : undefined; // a column named `constructor` is no key
    case 'udp':
    case 'udp6':
      return c.name === 'drops' ? `/proc/net/udp:drops` : undefined;
    default:
      return undefined;
  }
}
