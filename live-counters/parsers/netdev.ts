// /proc/net/dev (split at the LAST ':' because old kernels glued the name to the first number),
// /sys/class/net/*/statistics as `grep -H .` prints it (path:value), and `ethtool -S` output.
import { DEV_COLUMNS } from '../knowledge';
import type { Counter } from '../types';
import { decimal, fields, lines } from './numbers';

export function parseNetDev(text: string, source = 'dev'): Counter[] {
  const out: Counter[] = [];
  for (const line of lines(text)) {
    const at = line.lastIndexOf(':');
    if (at < 0) continue;
    const name = line.slice(0, at).trim();
    if (!name || /\s/.test(name)) continue;
    const values = fields(line.slice(at + 1)).map(decimal);
    if (values.length < 2 || values.some((v) => v === undefined)) continue;
    values.forEach((value, i) => out.push({ source, group: name, name: DEV_COLUMNS[i] ?? `col${i + 1}`, value: value!, width: 64 }));
  }
  return out;
}

/** Lines "/sys/class/net/IF/statistics/NAME:VALUE"; IF holds no '/' nor ':' (the kernel forbids both). */
export function parseSysStatistics(text: string, source = 'sys'): Counter[] {
  const out: Counter[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^\/sys\/class\/net\/([^/:]+)\/statistics\/([^/:]+):(.*)$/);
    const value = m ? decimal(m[3].trim()) : undefined;
    if (!m || value === undefined) continue;
    out.push({ source, group: m[1], name: m[2], value, width: 64 });
  }
  return out;
}

/** `ethtool -S DEV`: "NIC statistics:" then "     name: value"; names are the driver's own and may hold spaces. */
export function parseEthtool(text: string, source = 'ethtool', ifname = ''): Counter[] {
  const out: Counter[] = [];
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf(':');
    if (at < 0) continue;
    const name = line.slice(0, at).trim();
    const value = decimal(line.slice(at + 1).trim());
    if (!name || value === undefined) continue;
    out.push({ source, group: ifname, name, value, width: 64 });
  }
  return out;
}
