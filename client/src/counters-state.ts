// The counters panel's state, free of `vscode`: turns model samples into the webview's messages,
// keeps a bounded sparkline history per counter (dropped when the counter vanishes), joins the
// per-cpu view, and words the status bar and the kernel version guard.
import type { CounterRowView, CounterSourceView, CountersFeedState, CountersToWebview, CpuRowView, DroppingRowView } from '../../shared/protocol';
import { NIC_IRQ } from '../../live-counters/knowledge';
import type { CounterReading, Sample } from '../../live-counters/model';
import { sitesName } from '../../live-counters/site-names';

export const HISTORY_POINTS = 60;

/** Sources with one row per socket: the address is the row's name, the inode its tooltip. */
const SOCKET_SOURCES = new Set(['udp', 'udp6']);

/** Source order in the panel: the receive path from the NIC up to the socket. */
const SOURCE_ORDER = ['ethtool', 'sys', 'dev', 'interrupts', 'softirqs', 'softnet', 'snmp', 'snmp6', 'netstat', 'udp', 'udp6'];

export class CountersViewState {
  private readonly history = new Map<string, number[]>();
  /** When each history point's interval began (host uptime, s), for the window the sparkline covers. */
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly points = HISTORY_POINTS) {}

  /** Counters with a history (for the memory benchmark and tests). */
  get tracked(): number {
    return this.history.size;
  }

  /** The webview message for one sample; `indexedVersion` is the kernel tree's version, if one is indexed. */
  apply(host: string, s: Sample, indexedVersion?: string): Extract<CountersToWebview, { type: 'sample' }> {
    const seen = new Set<string>();
    const bySource = new Map<string, CounterRowView[]>();
    const dropping: DroppingRowView[] = [];
    for (const r of s.readings) {
      seen.add(r.key);
      const row = this.row(r, s);
      if (row.hot) dropping.push({ ...row, source: r.counter.source });
      const src = r.counter.source;
      const list = bySource.get(src);
      if (list) list.push(row);
      else bySource.set(src, [row]);
    }
    for (const k of [...this.history.keys()]) {
      if (seen.has(k)) continue;
      this.history.delete(k);
      this.starts.delete(k);
    }
    // Fastest first; a tie keeps the panel's source order (NIC before socket), then the name.
    dropping.sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0) || rank(a.source) - rank(b.source) || a.name.localeCompare(b.name));
    const statusOf = (src: string) => {
      if (src !== 'ethtool') return s.statuses.get(src) ?? 'ok';
      const st = [...s.statuses].filter(([id]) => id.startsWith('ethtool:')).map(([, v]) => v);
      return st.some((x) => x === 'ok') ? 'ok' : st[0] ?? 'missing';
    };
    const names = new Set([...bySource.keys(), ...[...s.statuses.keys()].map((id) => id.split(':')[0])]);
    const sources: CounterSourceView[] = [...names]
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
      .map((source) => ({ source, status: statusOf(source), rows: bySource.get(source) ?? [] }));
    const { cpus, nicIrqNames } = cpuView(s);
    const warning = versionWarning(indexedVersion, s.release);
    return {
      type: 'sample', host, release: s.release, uptime: s.uptime, totalDropRate: s.totalDropRate, rebooted: s.rebooted,
      ...(warning ? { versionWarning: warning } : {}), sources, cpus, nicIrqNames, dropping,
    };
  }

  private row(r: CounterReading, s: Sample): CounterRowView {
    const c = r.counter;
    let h = this.history.get(r.key);
    let t = this.starts.get(r.key);
    if (s.rebooted) h = t = undefined;
    if (!c.gauge && (r.rate !== undefined || h)) {
      h ??= [];
      t ??= [];
      h.push(r.rate ?? 0);
      t.push(s.uptime - (s.elapsed ?? 0));
      if (h.length > this.points) {
        h.splice(0, h.length - this.points);
        t.splice(0, t.length - this.points);
      }
      this.history.set(r.key, h);
      this.starts.set(r.key, t);
    }
    const moved = h?.some((x) => x > 0);
    const site = sitesName(c);
    const sparkline = moved ? { history: [...h!], min: Math.min(...h!), max: Math.max(...h!), windowS: Math.round(s.uptime - t![0]) } : {};
    return {
      key: r.key, ...nameOf(c), value: c.value.toString(), rate: r.rate ?? null, gauge: !!c.gauge, drop: r.drop, hot: r.drop && (r.rate ?? 0) > 0,
      ...sparkline, ...(site ? { sitesName: site } : {}),
    };
  }
}

/**
 * A row's name: `group.name` with the group's label beside it; a socket's row is its address
 * and counter (`127.0.0.1:8080 drops`), its inode (part of the key, so a reused port is another
 * row) only in the tooltip.
 */
function nameOf(c: CounterReading['counter']): Pick<CounterRowView, 'name' | 'label' | 'tooltip'> {
  if (SOCKET_SOURCES.has(c.source)) {
    const [local, inode] = c.group.split('#');
    return { name: `${c.label ?? local} ${c.name}`, tooltip: `socket inode ${inode ?? '?'}, local ${local}` };
  }
  return { name: c.group ? `${c.group}.${c.name}` : c.name, ...(c.label ? { label: c.label } : {}) };
}

function rank(source: string): number {
  const i = SOURCE_ORDER.indexOf(source);
  return i < 0 ? SOURCE_ORDER.length : i;
}

/** Per cpu: softnet_stat, NET_RX softirqs, the NIC's queue IRQs (summed) and TLB shootdowns, all per second. */
export function cpuView(s: Sample): { cpus: CpuRowView[]; nicIrqNames: string[] } {
  const rows = new Map<number, CpuRowView>();
  const row = (cpu: number) => {
    let r = rows.get(cpu);
    if (!r) rows.set(cpu, (r = { cpu, processed: null, dropped: null, timeSqueeze: null, netRx: null, nicIrqs: null, tlb: null }));
    return r;
  };
  const add = (cur: number | null, v: number | undefined) => (v === undefined ? cur : (cur ?? 0) + v);
  const ifnames = new Set(s.readings.filter((r) => r.counter.source === 'dev' && r.counter.group !== 'lo').map((r) => r.counter.group));
  const nic = new Set<string>();
  for (const r of s.readings) {
    const c = r.counter;
    const cpuOf = (name: string) => Number(name.replace(/^cpu/, ''));
    if (c.source === 'softnet') {
      const cr = row(cpuOf(c.group));
      if (c.name === 'processed') cr.processed = add(cr.processed, r.rate);
      if (c.name === 'dropped') cr.dropped = add(cr.dropped, r.rate);
      if (c.name === 'time_squeeze') cr.timeSqueeze = add(cr.timeSqueeze, r.rate);
    } else if (c.source === 'softirqs' && c.group === 'NET_RX' && /^cpu\d+$/.test(c.name)) {
      const cr = row(cpuOf(c.name));
      cr.netRx = add(cr.netRx, r.rate);
    } else if (c.source === 'interrupts' && /^cpu\d+$/.test(c.name)) {
      if (c.group === 'TLB') {
        const cr = row(cpuOf(c.name));
        cr.tlb = add(cr.tlb, r.rate);
      } else if (/^\d+$/.test(c.group) && isNicIrq(c.label ?? '', ifnames)) {
        nic.add(`${c.group}: ${c.label}`);
        const cr = row(cpuOf(c.name));
        cr.nicIrqs = add(cr.nicIrqs, r.rate);
      }
    }
  }
  return { cpus: [...rows.values()].sort((a, b) => a.cpu - b.cpu), nicIrqNames: [...nic].sort() };
}

/** An IRQ row of a NIC queue: its actions name one of the host's interfaces, or look like a queue. */
export function isNicIrq(actions: string, ifnames: Set<string>): boolean {
  for (const n of ifnames) if (actions.split(/[\s,]+/).some((a) => a === n || a.startsWith(`${n}-`) || a.startsWith(`${n}:`))) return true;
  return NIC_IRQ.test(actions);
}

/** Major.minor of a version or release string ("6.1.0-27-amd64" -> "6.1"). */
export function majorMinor(v: string): string | undefined {
  return v.match(/^(\d+)\.(\d+)/)?.slice(1, 3).join('.');
}

/** A warning when the host runs another kernel than the indexed tree (compared on major.minor: distributions rename the rest). */
export function versionWarning(indexed: string | undefined, release: string): string | undefined {
  if (!indexed || !release) return undefined;
  const a = majorMinor(indexed), b = majorMinor(release);
  if (!a || !b || a === b) return undefined;
  return `the host runs Linux ${release}, the indexed tree is ${indexed}: increment sites may differ`;
}

export function countersStatusText(host: string, state: CountersFeedState, totalDropRate: number | undefined, message?: string): { text: string; tooltip: string; warning: boolean } {
  if (state === 'failed') return { text: `$(error) ${host}`, tooltip: `netpath counters: ${message ?? 'failed'}`, warning: true };
  if (state !== 'streaming' || totalDropRate === undefined) return { text: `$(sync~spin) ${host}`, tooltip: `netpath counters: ${state}${message ? `: ${message}` : ''}`, warning: false };
  const rate = totalDropRate >= 100 ? totalDropRate.toFixed(0) : totalDropRate.toFixed(1);
  return { text: `$(pulse) ${host} drops ${rate}/s`, tooltip: `netpath counters on ${host}: total drop rate ${rate}/s (click to show the panel)`, warning: totalDropRate > 0 };
}
