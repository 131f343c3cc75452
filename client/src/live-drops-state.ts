// What the editor shows of a live drop session, free of `vscode`: per drop-site line the latest
// rate, reason and host ("412/s SOCKET_RCVBUFF, host-a"), a hover with the last intervals, and
// the status bar text. Fed one attributed interval at a time; lines not seen in the latest
// interval keep their history but show "0/s" until they age out. The same state feeds the Drop
// sites view's badges (siteRates) and the counters panel's "Drops by location" (locations).
import type { LiveDropRowView, LiveDropsAttributeResult, LiveLocationRowView, LiveLocationsView } from '../../shared/protocol';

export const HISTORY = 10;

export interface LineDecoration {
  uri: string;
  /** 1-based. */
  line: number;
  text: string;
  hover: string;
}

interface LineState { uri: string; line: number; history: { seq: number; rate: number; reasons: string[]; note: string }[] }

/** A drop site's rate in the latest interval, with the reasons seen there. */
export interface SiteRate { uri: string; line: number; rate: number; reasons: string[] }

/** Rows of "Drops by location" kept per group: the page is a summary, the hover and CLI have the rest. */
export const MAX_LOCATION_ROWS = 20;

export function rateText(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2).replace(/\.?0+$/, '');
}

export class LiveDropsViewState {
  private readonly lines = new Map<string, LineState>();
  private last: { seq: number; result: LiveDropsAttributeResult; events: number; lost: number; capped: number } | undefined;

  constructor(readonly host: string) {}

  update(seq: number, result: LiveDropsAttributeResult, totals: { events: number; lost: number; capped: number }): void {
    this.last = { seq, result, ...totals };
    const now = new Map<string, { uri: string; line: number; rate: number; reasons: Set<string>; notes: Set<string> }>();
    for (const row of result.rows) {
      if (row.verdict !== 'drop') continue;
      for (const s of row.sites) {
        const key = `${s.uri}#${s.line}`;
        const e = now.get(key) ?? { uri: s.uri, line: s.line, rate: 0, reasons: new Set<string>(), notes: new Set<string>() };
        // An ambiguous row's rate is shown in full at each of its sites: the rate is "up to".
        e.rate += row.ratePerS;
        if (row.reason) e.reasons.add(row.reason);
        e.notes.add(row.sites.length > 1 ? `${row.location}: ${row.note}` : row.location);
        now.set(key, e);
      }
    }
    for (const [key, st] of this.lines) {
      if (!now.has(key)) st.history.push({ seq, rate: 0, reasons: [], note: '' });
    }
    for (const [key, e] of now) {
      const st = this.lines.get(key) ?? { uri: e.uri, line: e.line, history: [] };
      st.history.push({ seq, rate: e.rate, reasons: [...e.reasons].sort(), note: [...e.notes].join('; ') });
      this.lines.set(key, st);
    }
    for (const [key, st] of this.lines) {
      st.history = st.history.slice(-HISTORY);
      if (st.history.every((h) => h.rate === 0)) this.lines.delete(key);
    }
  }

  /** Sites dropping in the latest interval (rate > 0), fastest first. */
  siteRates(): SiteRate[] {
    const seq = this.last?.seq;
    const out: SiteRate[] = [];
    for (const st of this.lines.values()) {
      const cur = st.history[st.history.length - 1];
      if (cur.seq === seq && cur.rate > 0) out.push({ uri: st.uri, line: st.line, rate: cur.rate, reasons: cur.reasons });
    }
    return out.sort((a, b) => b.rate - a.rate || a.uri.localeCompare(b.uri) || a.line - b.line);
  }

  /** The latest interval as "Drops by location" rows (drops and unmapped by rate, frees apart). */
  locations(): LiveLocationsView | undefined {
    if (!this.last) return undefined;
    const { result, seq, lost, capped } = this.last;
    const byRate = (a: LiveDropRowView, b: LiveDropRowView) => b.ratePerS - a.ratePerS || a.location.localeCompare(b.location);
    const rows = result.rows.filter((r) => r.verdict !== 'freed').sort(byRate).slice(0, MAX_LOCATION_ROWS).map(locationRow);
    const freed = result.rows.filter((r) => r.verdict === 'freed').sort(byRate).slice(0, MAX_LOCATION_ROWS).map(locationRow);
    return { host: this.host, seq, rows, freed, lost, capped, ...(result.approximate ? { approximate: result.approximateWhy ?? 'the indexed tree is not the host\'s kernel' } : {}) };
  }

  decorations(): LineDecoration[] {
    const approx = this.last?.result.approximate ? ' (approximate)' : '';
    return [...this.lines.values()].map((st) => {
      const cur = st.history[st.history.length - 1];
      const lastReasons = [...st.history].reverse().find((h) => h.reasons.length)?.reasons ?? [];
      const hover = [`**netpath live drops on ${this.host}**${approx ? ` — ${this.last?.result.approximateWhy ?? 'approximate'}` : ''}`, '',
        '| interval | rate | reason | where |', '| --- | --- | --- | --- |',
        ...[...st.history].reverse().map((h) => `| ${h.seq} | ${rateText(h.rate)}/s | ${h.reasons.join(', ') || '-'} | ${h.note || '-'} |`)].join('\n');
      return { uri: st.uri, line: st.line, text: `${rateText(cur.rate)}/s ${lastReasons.join('|') || '-'}, ${this.host}${approx}`, hover };
    }).sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line);
  }

  /** Per second at drop sites in the latest interval (each row once, however many sites it may be). */
  dropRate(): number {
    return this.last ? this.last.result.rows.filter((r) => r.verdict === 'drop').reduce((a, r) => a + r.ratePerS, 0) : 0;
  }

  /** Status bar: the drop rate at attributed sites, and what the interval could not attribute. */
  status(): { text: string; tooltip: string } {
    if (!this.last) return { text: `$(loading~spin) drops ${this.host}`, tooltip: `netpath: starting the live drop session on ${this.host}; click to stop` };
    const drops = this.dropRate();
    const freed = this.last.result.rows.filter((r) => r.verdict === 'freed').reduce((a, r) => a + r.ratePerS, 0);
    const extra = [this.last.lost ? `${this.last.lost} events lost by the ring buffer` : '', this.last.capped ? `${this.last.capped} over the cap (sampled)` : ''].filter(Boolean);
    return {
      text: `$(debug-stop) drops ${this.host}: ${rateText(drops)}/s`,
      tooltip: `netpath live drops on ${this.host}, interval ${this.last.seq}: ${rateText(drops)}/s at drop sites, ${rateText(freed)}/s freed (probably not drops), ${this.last.events} events${extra.length ? `; ${extra.join('; ')}` : ''}. Click to stop.`,
    };
  }
}

/** One row: where the location's packets die, in a few words, and the line a click opens. */
function locationRow(r: LiveDropRowView): LiveLocationRowView {
  let where: string;
  let open: { uri: string; line: number } | undefined;
  if (r.verdict === 'drop' && r.sites.length) {
    const s = r.sites[0];
    open = { uri: s.uri, line: s.line };
    where = r.sites.length === 1 ? `${s.file}:${s.line}${s.inlinedInto ? ` (${s.function}, inlined)` : ''}` : `one of ${r.sites.length} sites (${s.file}:${s.line}, …)`;
  } else if (r.verdict === 'freed' && r.callers?.length) {
    const c = r.callers[0];
    open = { uri: c.uri, line: c.line };
    where = `called from ${c.function} (${c.file}:${c.line})${r.callers.length > 1 ? ` and ${r.callers.length - 1} more` : ''}`;
  } else {
    where = r.verdict === 'freed' ? 'no caller on the receive path' : 'no site of the tree fits';
  }
  return { location: r.location, reason: r.reason ?? '-', ratePerS: r.ratePerS, where, note: r.note, ...(open ? { open } : {}) };
}
