// Which parser reads which source id of a snapshot. One line per source; see CONTRIBUTING.md
// "Add a counter source".
import type { Counter, RawSnapshot, SourceParser } from '../types';
import { parseInterrupts, parseSoftirqs } from './irq';
import { parseMibPairs, parseSnmp6 } from './mib';
import { parseEthtool, parseNetDev, parseSysStatistics } from './netdev';
import { parseSoftnet } from './softnet';
import { parseUdp } from './udp';

export const PARSERS: Readonly<Record<string, SourceParser>> = {
  softnet: parseSoftnet,
  snmp: parseMibPairs,
  netstat: parseMibPairs,
  snmp6: parseSnmp6,
  udp: parseUdp,
  udp6: parseUdp,
  dev: parseNetDev,
  sys: parseSysStatistics,
  interrupts: parseInterrupts,
  softirqs: parseSoftirqs,
};

/** Every counter of a snapshot; sources that failed to read contribute nothing (their status says why). */
export function parseSnapshot(raw: RawSnapshot): Counter[] {
  const out: Counter[] = [];
  for (const [id, src] of raw.sources) {
    if (src.status !== 'ok') continue;
    if (id.startsWith('ethtool:')) {
      out.push(...parseEthtool(src.text, 'ethtool', id.slice('ethtool:'.length)));
      continue;
    }
    // The id comes from the stream: `constructor` or `__proto__` must not find Object.prototype's members.
    const parse = Object.hasOwn(PARSERS, id) ? PARSERS[id] : undefined;
    if (parse) out.push(...parse(src.text, id));
  }
  return out;
}
