// From "the kernel freed N skbs at udp_queue_rcv_one_skb+0x437 with reason SOCKET_RCVBUFF" to
// netpath's drop sites. The kernel names the function that called the free, after inlining: the
// candidates are the sites of that function and of the static and inline functions it calls
// (what the compiler may have folded into it), kept when their reason can be the event's. More
// than one left: "one of N sites". An event at a generic freeing helper, or NOT_SPECIFIED where no
// site frees without a reason, is shown apart as "freed, probably not a drop", with the callers
// on the indexed receive path that may have asked for that free (callers.ts). The offset cannot
// pick a line without the host's debuginfo; and when the indexed tree is not the host's kernel
// the lines are marked approximate.
import type { CallGraph } from '../engine/callgraph/graph';
import type { DropEngine } from '../engine/drops/engine';
import type { DropSite } from '../engine/drops/types';
import { FN_INLINE } from '../engine/types';
import { locationKey } from './trace-line';
import { treeRelative, type DebugInfo } from './debuginfo';
import type { IntervalRow, SessionInterval } from './session-frames';
import knowledge from './live-knowledge.json';
import { receivePathCallers, type CallerRef } from './callers';
import { receivePathFunctions } from '../engine/analysis/snapshot';

const REASON_PREFIX = 'SKB_DROP_REASON_';
const GENERIC = new Set<string>(knowledge.genericFrees);
const CLONE = new RegExp(knowledge.cloneSuffix);

export type Verdict = 'drop' | 'freed' | 'unmapped';

export interface SiteRef {
  file: string;
  line: number;
  function: string;
  kind: DropSite['kind'];
  /** Reason names without the prefix (one, or the possible ones). */
  reasons: string[];
  /** The function the site is in was absorbed by inlining into the one the kernel names. */
  inlinedInto?: string;
  /** The reason is also a call's run-time result there: any reason may reach it. */
  computedReason?: boolean;
  /** goto: the line of the label whose code frees the packet. */
  labelLine?: number;
}

/** The free's own line, from the host kernel's debuginfo. */
export interface ExactSource {
  file: string;
  line: number;
  function: string;
  /** The functions it is inlined into, innermost first. */
  inlinedInto: string[];
}

export interface LiveDropRow {
  /** `fn+0xoff` or a bare address. */
  location: string;
  fn?: string;
  offset?: number;
  reason?: string;
  count: number;
  ratePerS: number;
  verdict: Verdict;
  sites: SiteRef[];
  /** Why the verdict: "one of 2 sites", "generic freeing helper", "no site with this reason in the tree". */
  note: string;
  /** With debuginfo: the exact line of the free, or why it could not be had. */
  exact?: ExactSource;
  debuginfo?: string;
  /** freed: the nearest callers on the indexed receive path that call the freeing function (direct calls). */
  callers?: CallerRef[];
}

export interface LiveDropReport {
  seq: number;
  seconds: number;
  events: number;
  lost: number;
  capped: number;
  sampleEvery: number;
  unreadable: number;
  rows: LiveDropRow[];
}

export interface VersionGuard { approximate: boolean; why?: string }

/** The tree's `6.12.117` against the host's `6.12.117+deb12-amd64`: the same kernel or not. */
export function versionGuard(treeVersion: string | undefined, hostRelease: string | undefined): VersionGuard {
  if (!treeVersion || !hostRelease) return { approximate: true, why: `the ${treeVersion ? "host's" : "tree's"} kernel version is unknown` };
  const same = hostRelease.startsWith(treeVersion) && !/^\d/.test(hostRelease.slice(treeVersion.length));
  return same ? { approximate: false } : { approximate: true, why: `the indexed tree is Linux ${treeVersion}, the host runs ${hostRelease}: lines are approximate` };
}

export class DropAttributor {
  private readonly memo = new Map<string, Promise<{ sites: SiteRef[]; known: boolean }>>();
  private readonly callerMemo = new Map<string, Promise<CallerRef[]>>();
  private receiveP: Promise<Set<string>> | undefined;

  /**
   * `receivePath`: "file|function" of the receive path (the analysis has it computed once);
   * without it the set is computed here from the graph on first need.
   */
  constructor(private readonly engine: DropEngine, private readonly graph: CallGraph, private readonly debug?: DebugInfo,
    private readonly receivePath?: () => Promise<Set<string>>) {}

  /** Who on the receive path calls `fn` (through generic helpers and freeing functions), memoised. */
  callers(fn: string): Promise<CallerRef[]> {
    let p = this.callerMemo.get(fn);
    if (!p) {
      this.receiveP ??= this.receivePath ? this.receivePath() : Promise.resolve(receivePathFunctions(this.graph, this.engine.index.knowledge.napiPoll));
      // Up through other generic helpers only: through kfree_skb itself every drop site of the
      // tree would be a "caller", and through consume_skb and friends, every transmit completion.
      this.callerMemo.set(fn, (p = this.receiveP.then((onPath) => receivePathCallers(this.graph, fn, onPath, (name) => GENERIC.has(name)))));
    }
    return p;
  }

  /** A row that is probably not a drop, with the callers that may have asked for the free. */
  private async freed(base: Omit<LiveDropRow, 'verdict' | 'sites' | 'note'>, fn: string, why: string): Promise<LiveDropRow> {
    const callers = await this.callers(fn);
    const from = callers.length ? `; called from ${callers.slice(0, 3).map((c) => `${c.function} (${c.file}:${c.line})`).join(', ')}${callers.length > 3 ? ` and ${callers.length - 3} more` : ''} on the receive path` : '';
    return { ...base, verdict: 'freed', sites: [], note: `freed, probably not a drop: ${why}${from}`, ...(callers.length ? { callers } : {}) };
  }

  /** Every candidate site of a kernel symbol, before the reason filter; `known`: the tree defines it. */
  candidates(symbol: string): Promise<{ sites: SiteRef[]; known: boolean }> {
    const fn = symbol.replace(CLONE, '');
    let p = this.memo.get(fn);
    if (!p) this.memo.set(fn, (p = this.collect(fn)));
    return p;
  }

  private async collect(fn: string): Promise<{ sites: SiteRef[]; known: boolean }> {
    const roots = this.graph.idsOf(fn);
    if (!roots.length) return { sites: [], known: false };
    const k = this.engine.k;
    const absorbed = new Map<string, string>(); // callee -> the function it is inlined into
    let frontier = roots;
    const seen = new Set<number>(roots);
    for (let depth = 0; depth < knowledge.absorbDepth && frontier.length; depth++) {
      const next: number[] = [];
      for (const id of frontier) {
        const from = this.graph.nodes[id];
        for (const e of this.graph.outOf(id)) {
          const edge = this.graph.edgeAt(e);
          if (edge.kind !== 'direct' && edge.kind !== 'macro') continue;
          const n = this.graph.nodes[edge.to];
          if (seen.has(n.id) || k.freeFunctions.has(n.name) || k.conditionalFrees.has(n.name) || k.notDrops.has(n.name)) continue;
          const flags = this.engine.index.files.get(n.file)?.functions[n.index]?.flags ?? 0;
          // Inline anywhere, or static in the same file: what the compiler folds into its caller.
          if (!((flags & FN_INLINE) !== 0 || (n.isStatic && n.file === from.file))) continue;
          seen.add(n.id);
          absorbed.set(n.name, from.name);
          next.push(n.id);
        }
      }
      frontier = next;
    }
    const sites: SiteRef[] = [];
    for (const name of [fn, ...absorbed.keys()]) {
      for (const s of await this.engine.sites(name)) {
        if (s.kind === 'counter') continue; // a counter bump is not where the skb is freed
        sites.push({
          file: s.file, line: s.line, function: s.function, kind: s.kind,
          reasons: (s.reason ? [s.reason] : (s.reasons?.values ?? [])).map((r) => r.replace(REASON_PREFIX, '')),
          ...(name !== fn ? { inlinedInto: absorbed.get(name) } : {}),
          ...(s.reasons?.computed?.length ? { computedReason: true } : {}),
          ...(s.labelLine !== undefined ? { labelLine: s.labelLine } : {}),
        });
      }
    }
    return { sites, known: true };
  }

  async row(r: IntervalRow, seconds: number): Promise<LiveDropRow> {
    const base = { location: locationKey(r.location), ...(r.location.fn ? { fn: r.location.fn } : {}), ...(r.location.offset !== undefined ? { offset: r.location.offset } : {}),
      ...(r.reason ? { reason: r.reason } : {}), count: r.count, ratePerS: seconds > 0 ? r.count / seconds : r.count };
    if (!r.location.fn) return { ...base, verdict: 'unmapped', sites: [], note: 'a bare address: the host printed no symbol (kptr_restrict or an old kernel)' };
    const fn = r.location.fn.replace(CLONE, '');
    if (GENERIC.has(fn)) return this.freed(base, fn, `${fn} is a generic freeing helper (teardown, purge, bulk free)`);
    if (this.engine.k.notDrops.has(fn)) return this.freed(base, fn, `the drop-site catalogue marks ${fn} as not a drop`);
    const { sites, known } = await this.candidates(fn);
    const reason = r.reason ?? 'NOT_SPECIFIED';
    const unspecified = reason === 'NOT_SPECIFIED';
    const fits = sites.filter((s) => (s.reasons.length ? s.reasons.includes(reason) : unspecified) || s.computedReason);
    if (fits.length) {
      const note = fits.length === 1 ? 'the only site with this reason' : `one of ${fits.length} sites with this reason`;
      const row: LiveDropRow = { ...base, verdict: 'drop', sites: fits, note };
      return this.debug && r.location.offset !== undefined ? this.narrow(row, r.location.fn, r.location.offset, r.location.size) : row;
    }
    if (unspecified) {
      return known ? this.freed(base, fn, `NOT_SPECIFIED and no site of ${fn} frees without a reason`)
        : { ...base, verdict: 'freed', sites: [], note: `freed, probably not a drop: NOT_SPECIFIED and ${fn} is not in the indexed tree` };
    }
    return { ...base, verdict: 'unmapped', sites: [], note: known ? `no site of ${fn} (or what it inlines) has reason ${reason} in the indexed tree` : `${fn} is not in the indexed tree (outside the scope, or another version)` };
  }

  /**
   * With debuginfo, the free's own line picks among the candidates: a free site on that very line,
   * or the gotos (with the event's reason) to a label above it in the function the line is in.
   */
  private async narrow(row: LiveDropRow, fn: string, offset: number, size?: number): Promise<LiveDropRow> {
    let at;
    try {
      at = await this.debug!.locate(fn, offset, size);
    } catch (e) {
      return { ...row, debuginfo: (e as Error).message };
    }
    if ('problem' in at) return { ...row, debuginfo: at.problem };
    const inner = at.frames[0];
    const rel = treeRelative(inner.file, (x) => this.engine.index.files.has(x));
    const exact: ExactSource = { file: rel ?? inner.file, line: inner.line, function: inner.function, inlinedInto: at.frames.slice(1).map((f) => f.function) };
    const here = row.sites.filter((s) => s.file === rel && (s.kind === 'free' ? s.line === inner.line : s.function === inner.function && (s.labelLine ?? Infinity) <= inner.line));
    const where = `${exact.file}:${exact.line}${exact.inlinedInto.length ? ` (${inner.function} inlined into ${exact.inlinedInto.join(' <- ')})` : ''}`;
    if (!here.length) return { ...row, exact, debuginfo: `debuginfo puts the free at ${where}, where no candidate site is` };
    const note = here.length === 1 ? `exact line from debuginfo: ${where}` : `debuginfo: the free at ${where}; one of ${here.length} gotos with this reason`;
    return { ...row, sites: here, note, exact, debuginfo: 'used' };
  }

  /** One interval, rows sorted by rate (drops first, then frees that are probably not drops). */
  async report(iv: SessionInterval, seconds: number): Promise<LiveDropReport> {
    const rows = await Promise.all(iv.rows.map((r) => this.row(r, seconds)));
    const order: Record<Verdict, number> = { drop: 0, unmapped: 1, freed: 2 };
    rows.sort((a, b) => order[a.verdict] - order[b.verdict] || b.ratePerS - a.ratePerS || a.location.localeCompare(b.location));
    return { seq: iv.seq, seconds, events: iv.events, lost: iv.lost, capped: iv.capped, sampleEvery: iv.sampleEvery, unreadable: iv.unreadable, rows };
  }
}
