// Text and JSON for one interval of a live drop session: drops sorted by rate with the site's
// file:line, then what was freed but is probably not a drop; lost and sampled events always said.
import type { LiveDropReport, LiveDropRow, VersionGuard } from './attribution';

export interface ReportContext { host: string; release: string; guard: VersionGuard }

function where(r: LiveDropRow, approximate: boolean): string {
  if (!r.sites.length) return r.debuginfo && r.debuginfo !== 'used' ? `${r.note}  [${r.debuginfo}]` : r.note;
  const mark = approximate ? ' (approximate)' : '';
  // Three sites are enough to act on; --json lists them all.
  const first = r.sites.slice(0, 3).map((s) => `${s.file}:${s.line} ${s.function}${s.inlinedInto ? ` (inlined into ${s.inlinedInto})` : ''}`);
  const more = r.sites.length > 3 ? `; and ${r.sites.length - 3} more` : '';
  const debug = r.debuginfo && r.debuginfo !== 'used' ? `  [${r.debuginfo}]` : '';
  return `${first.join('; ')}${more}${mark}${r.sites.length > 1 || r.exact ? `  [${r.note}]` : ''}${debug}`;
}

function rate(r: LiveDropRow): string {
  return `${r.ratePerS >= 100 ? r.ratePerS.toFixed(0) : r.ratePerS.toFixed(1)}/s`.padStart(9);
}

export function reportText(c: ReportContext, rep: LiveDropReport): string {
  const extra = [rep.lost ? `${rep.lost} lost by the kernel's ring buffer (not attributed)` : '', rep.capped ? `${rep.capped} over the cap: 1 in ${rep.sampleEvery} attributed, weighted` : '',
    rep.unreadable ? `${rep.unreadable} unreadable rows` : ''].filter(Boolean);
  let out = `${c.host} interval ${rep.seq} (${rep.seconds.toFixed(1)} s): ${rep.events} kfree_skb events${extra.length ? `; ${extra.join('; ')}` : ''}\n`;
  const drops = rep.rows.filter((r) => r.verdict !== 'freed');
  const freed = rep.rows.filter((r) => r.verdict === 'freed');
  for (const r of drops) out += `${rate(r)}  ${(r.reason ?? '-').padEnd(16)} ${r.location.padEnd(34)} ${where(r, c.guard.approximate)}\n`;
  if (freed.length) {
    out += '  freed, probably not a drop:\n';
    for (const r of freed) out += `${rate(r)}  ${(r.reason ?? '-').padEnd(16)} ${r.location.padEnd(34)} ${r.note.replace(/^freed, probably not a drop: /, '')}\n`;
  }
  return out;
}

export function reportJson(c: ReportContext, rep: LiveDropReport): string {
  return JSON.stringify({ host: c.host, release: c.release, approximate: c.guard.approximate, ...(c.guard.why ? { approximateWhy: c.guard.why } : {}), ...rep });
}
