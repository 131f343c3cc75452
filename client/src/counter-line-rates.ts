// Counter increment lines with their counter's live rate, free of `vscode`: while a counters panel
// streams, each line that increments a moving counter shows `+399/s Udp:RcvbufErrors, local`. The
// lines come from the language server's counter-sites request (the same as a click in the panel),
// asked once per counter when it first moves and kept; a counter's rate is summed over its rows
// (interfaces, cpus, sockets): the line bumps the counter whichever instance it is.
import type { CounterRowView, CounterSiteLocation } from '../../shared/protocol';
import { rateText } from './live-drops-state';

export interface CounterLineDecoration {
  uri: string;
  /** 1-based. */
  line: number;
  text: string;
  hover: string;
}

/** How long a failed sites request (no index yet) waits before it is asked again. */
export const RETRY_MS = 30_000;

type Known = { sites: CounterSiteLocation[] } | { failedAt: number } | { pending: true };

export class CounterLineRates {
  private readonly known = new Map<string, Known>();
  private rates = new Map<string, number>();

  /** Takes one sample's rows; returns the counters whose sites should be asked for now. */
  update(rows: Iterable<CounterRowView>, now = Date.now()): string[] {
    const rates = new Map<string, number>();
    for (const r of rows) {
      if (!r.sitesName || r.gauge || !r.rate || r.rate <= 0) continue;
      rates.set(r.sitesName, (rates.get(r.sitesName) ?? 0) + r.rate);
    }
    this.rates = rates;
    const ask: string[] = [];
    for (const name of rates.keys()) {
      const k = this.known.get(name);
      if (!k || ('failedAt' in k && now - k.failedAt >= RETRY_MS)) {
        this.known.set(name, { pending: true });
        ask.push(name);
      }
    }
    return ask;
  }

  sites(name: string, sites: CounterSiteLocation[] | undefined, now = Date.now()): void {
    this.known.set(name, sites ? { sites } : { failedAt: now });
  }

  /** One decoration per line, its counters fastest first. */
  decorations(host: string): CounterLineDecoration[] {
    const lines = new Map<string, { uri: string; line: number; parts: { name: string; rate: number; via: string; fn: string }[] }>();
    for (const [name, rate] of this.rates) {
      const k = this.known.get(name);
      if (!k || !('sites' in k)) continue;
      for (const s of k.sites) {
        const key = `${s.uri}#${s.line}`;
        const e = lines.get(key) ?? { uri: s.uri, line: s.line, parts: [] };
        if (!e.parts.some((p) => p.name === name)) e.parts.push({ name, rate, via: s.via, fn: s.function });
        lines.set(key, e);
      }
    }
    return [...lines.values()].map((e) => {
      const parts = e.parts.sort((a, b) => b.rate - a.rate || a.name.localeCompare(b.name));
      return {
        uri: e.uri, line: e.line,
        text: `${parts.map((p) => `+${rateText(p.rate)}/s ${p.name}`).join(' · ')}, ${host}`,
        hover: [`**netpath counters on ${host}**: this line increments`, '', ...parts.map((p) => `- \`${p.name}\` (${p.via} in ${p.fn}): +${rateText(p.rate)}/s now, from the counters stream`)].join('\n'),
      };
    }).sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line);
  }
}
