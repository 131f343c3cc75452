// /proc/net/softnet_stat: one row per ONLINE cpu, every column %08x (u32). The cpu id is column 13
// on 5.10+; older kernels print 9 or 10 columns, and then the row index is the best guess (it equals
// the cpu id only when no cpu is offline). Columns are named by position, not by kernel version.
import { SOFTNET_COLUMNS, SOFTNET_GAUGES } from '../knowledge';
import type { Counter } from '../types';
import { fields, hex, lines } from './numbers';

export function parseSoftnet(text: string, source = 'softnet'): Counter[] {
  const out: Counter[] = [];
  lines(text).forEach((line, row) => {
    const cols = fields(line).map(hex);
    if (cols.length < 2 || cols.some((v) => v === undefined)) return;
    const cpu = cols.length >= 13 ? Number(cols[12]) : row;
    cols.forEach((value, i) => {
      const name = SOFTNET_COLUMNS[i] ?? `col${i + 1}`;
      if (name === 'cpu') return;
      out.push({ source, group: `cpu${cpu}`, name, value: value!, width: 32, ...(SOFTNET_GAUGES.has(name) ? { gauge: true } : {}) });
    });
  });
  return out;
}
