// /proc/interrupts and /proc/softirqs: a header naming one column per cpu (CPU numbers can jump
// when cpus are offline), then rows of per-cpu u32 counts. Device rows in /proc/interrupts end
// with chip, hwirq-trigger and actions (which may hold spaces, ':' and ','); ERR and MIS carry a
// single total.
import type { Counter } from '../types';
import { decimal, fields, lines } from './numbers';

function cpuHeader(line: string | undefined): number[] | undefined {
  if (!line) return undefined;
  const f = fields(line);
  const ids = f.map((c) => c.match(/^CPU(\d+)$/)?.[1]);
  if (!f.length || ids.some((x) => x === undefined)) return undefined;
  return ids.map(Number);
}

export function parseInterrupts(text: string, source = 'interrupts'): Counter[] {
  const ls = lines(text);
  const cpus = cpuHeader(ls[0]);
  if (!cpus) return [];
  const out: Counter[] = [];
  for (const line of ls.slice(1)) {
    const m = line.match(/^\s*([^:\s]+):(.*)$/);
    if (!m) continue;
    const row = m[1];
    const f = fields(m[2]);
    const counts: bigint[] = [];
    while (counts.length < cpus.length && f.length && decimal(f[0]) !== undefined) counts.push(decimal(f.shift()!)!);
    if (!counts.length) continue;
    if (counts.length === 1 && cpus.length > 1 && !/^\d+$/.test(row)) {
      out.push({ source, group: row, name: 'total', value: counts[0], width: 32 });
      continue;
    }
    // Device rows: what follows the counts is the chip, hwirq and the actions (device names).
    const label = /^\d+$/.test(row) ? f.slice(2).join(' ') || f.join(' ') : f.join(' ');
    counts.forEach((value, i) => out.push({ source, group: row, name: `cpu${cpus[i]}`, value, width: 32, ...(label ? { label } : {}) }));
  }
  return out;
}

export function parseSoftirqs(text: string, source = 'softirqs'): Counter[] {
  const ls = lines(text);
  const cpus = cpuHeader(ls[0]);
  if (!cpus) return [];
  const out: Counter[] = [];
  for (const line of ls.slice(1)) {
    const m = line.match(/^\s*([A-Z_0-9]+):(.*)$/);
    if (!m) continue;
    const values = fields(m[2]).map(decimal);
    values.slice(0, cpus.length).forEach((value, i) => {
      if (value !== undefined) out.push({ source, group: m[1], name: `cpu${cpus[i]}`, value, width: 32 });
    });
  }
  return out;
}
