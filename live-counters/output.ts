// How the CLI prints samples: one JSON object per line (counters nested by source, group and
// name, values as exact integers), or a short text table of what moved.
import type { Sample } from './model';

/** JSON with bigint values written as exact integer literals (JSON allows any length). */
export function sampleJson(host: string, s: Sample): string {
  // Prototype-less objects: names come from the host (an interface may be called "__proto__").
  const dict = () => Object.create(null) as Record<string, unknown>;
  const counters = dict();
  for (const r of s.readings) {
    const c = r.counter;
    const src = (counters[c.source] ??= dict()) as Record<string, unknown>;
    const parent = c.group ? ((src[c.group] ??= dict()) as Record<string, unknown>) : src;
    parent[c.name] = {
      value: `\u0000${c.value}`,
      rate: r.rate ?? null,
      ...(c.gauge ? { gauge: true } : {}),
      ...(r.reset ? { reset: r.reset } : {}),
      ...(c.label ? { label: c.label } : {}),
    };
  }
  const obj = {
    host, uptime: s.uptime, bootId: s.bootId, release: s.release, elapsed: s.elapsed ?? null, rebooted: s.rebooted,
    totalDropRate: s.totalDropRate, status: Object.assign(dict(), Object.fromEntries(s.statuses)), counters,
  };
  return JSON.stringify(obj).replace(/"\\u0000(-?\d+)"/g, '$1');
}

export function sampleText(host: string, s: Sample): string {
  const head = `${host}  uptime ${s.uptime.toFixed(2)} s  Linux ${s.release}  ` +
    (s.elapsed === undefined ? (s.rebooted ? 'rebooted: rates start again' : 'first sample: rates from the next one') : `drops ${s.totalDropRate.toFixed(1)}/s`);
  const bad = [...s.statuses].filter(([, st]) => st !== 'ok' && st !== 'nostats').map(([id, st]) => `${id} ${st}`);
  const moved = s.readings.filter((r) => (r.rate ?? 0) > 0).sort((a, b) => Number(b.drop) - Number(a.drop) || a.key.localeCompare(b.key));
  const w = Math.max(0, ...moved.map((r) => r.key.length));
  const rows = moved.map((r) => `  ${r.drop ? '!' : ' '} ${r.key.padEnd(w)}  ${r.counter.value.toString().padStart(14)}  ${r.rate!.toFixed(1).padStart(10)}/s${r.counter.label ? `  ${r.counter.label}` : ''}`);
  return [head, ...(bad.length ? [`  unreadable: ${bad.join(', ')}`] : []), ...rows, ''].join('\n');
}
