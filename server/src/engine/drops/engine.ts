// Drop sites of a function, a file or a call chain, and the source sites of a counter, on the
// index and call graph. Syntax the index does not keep (label code, conditions, reasons) comes
// from re-parsing only the files asked about; results are cached per file version.
import type { IndexView } from '../indexer';
import type { CallGraph } from '../callgraph/graph';
import type { Edge } from '../callgraph/types';
import type { FileFacts, Increment } from '../types';
import { FN_INLINE } from '../types';
import { mayContain } from '../codec';
import { dropKnowledge, type DropKnowledge } from './knowledge';
import { SourceParser, functionNodeAt, functionSpans, type ParsedSource } from './source-parser';
import { analyseFunction, type FunctionDropFacts, type Segment } from './function-analysis';
import { buildCounterMap, type CounterMap } from './counter-map';
import { statsAliases } from './stats-aliases';
import { driverFiles, groupSites, validDriverName } from './driver-sites';
import type { CounterEntry, CounterSite, CounterSitesResult, DropSite, PossibleReasons } from './types';
import { resolveCounter, unresolvedMessage, type NamedCounter } from '../../../../shared/counter-names';

/** A name resolved to one counter of the map: its key, its entry, and the other families' keys a plain name left out. */
export interface ResolvedCounter { key: string; entry: CounterEntry; named: NamedCounter; also: string[] }

/** A counter reached from some code, and the calls followed to reach it. */
interface Reached { entry: CounterEntry; through: string[] }

export class UnknownCounterError extends Error {}

export class DropEngine {
  readonly k: DropKnowledge;
  private readonly parser: SourceParser;
  private map: Promise<CounterMap> | undefined;
  private reasonTexts: Map<string, string> | undefined;
  private idsByFile: Map<string, number[]> | undefined;
  private readonly cache = new Map<string, { stamp: string; sites: DropSite[] }>();
  /** struct -> graph ids of functions that hold one and a struct rtnl_link_stats64 (ndo_get_stats64 and helpers). */
  private getters: Map<string, number[]> | undefined;
  /** struct -> (its field -> statistics names it is reported as), null when no getter reports it. */
  private readonly aliases = new Map<string, Map<string, string[]> | null>();
  private readonly pendingAliases = new Set<string>();

  constructor(readonly index: IndexView, readonly graph: CallGraph, k: DropKnowledge = dropKnowledge()) {
    this.k = k;
    // Facts of an unsaved buffer were extracted from its text: re-parse the same text, not the disk.
    this.parser = new SourceParser(index.root, index.knowledge, (rel) => index.buffers.get(rel));
  }

  /** Runs `use` on a parse of file `rel` of the tree (for syntax the index does not keep). */
  withSource<T>(rel: string, use: (src: ParsedSource) => T): Promise<T | undefined> {
    return this.parser.with(rel, use);
  }

  counterMap(): Promise<CounterMap> {
    return (this.map ??= buildCounterMap(this.index, this.parser, this.k));
  }

  /** SKB_DROP_REASON_* -> its comment in include/net/dropreason*.h. */
  reasons(): Map<string, string> {
    if (this.reasonTexts) return this.reasonTexts;
    const out = new Map<string, string>();
    for (const [rel, f] of this.index.files) {
      if (!this.k.reasonHeaders.test(rel)) continue;
      for (const e of f.enums) {
        for (const it of e.items) {
          if (it.name.startsWith(this.k.reasonPrefix) && it.comment) out.set(it.name, it.comment.replace(/^@\w+:\s*/, ''));
        }
      }
    }
    return (this.reasonTexts = out);
  }

  /** Drop sites of every function named `target`, or of every function in file `target`. */
  async sites(target: string): Promise<DropSite[]> {
    if (this.index.files.has(target)) return this.fileSites(target);
    const files = [...new Set(this.graph.idsOf(target).map((id) => this.graph.nodes[id].file))].sort();
    const out: DropSite[] = [];
    for (const f of files) out.push(...(await this.fileSites(f)).filter((s) => s.function === target));
    return out;
  }

  /** Drop sites in the functions along the shortest call chain from `from` to `to`, in chain order. */
  async pathSites(from: string, to: string): Promise<{ functions: string[]; sites: DropSite[] } | undefined> {
    const hops = this.graph.paths(from, to, 1)[0];
    if (!hops) return undefined;
    const chain = [{ name: from, file: '' }, ...hops.map((h) => ({ name: h.callee, file: '' }))];
    // Each hop's callee is the function defined where the next hop's call site is.
    const fileOf = hops.map((h) => h.file);
    const sites: DropSite[] = [];
    for (let i = 0; i < chain.length; i++) {
      const file = i < fileOf.length ? fileOf[i] : undefined;
      const fnSites = await this.sites(chain[i].name);
      sites.push(...(file ? fnSites.filter((s) => s.file === file) : fnSites));
    }
    return { functions: chain.map((c) => c.name), sites };
  }

  /**
   * The counter `name` means, in any form shared/counter-names.ts resolves (`RcvbufErrors`,
   * `Udp:RcvbufErrors`, `Udp RcvbufErrors`, `UdpRcvbufErrors`, `Udp6RcvbufErrors`, a key): every
   * command taking a counter asks here, so they all accept the same names. Throws
   * UnknownCounterError naming the candidates when the name is ambiguous or unknown.
   */
  async resolveCounter(name: string): Promise<ResolvedCounter> {
    const map = await this.counterMap();
    const named = map.entries.map((e) => ({ ...e, key: qualifiedName(e), entry: e }));
    const r = resolveCounter(name, named);
    if (r.kind !== 'one') throw new UnknownCounterError(unresolvedMessage(name, r));
    return { key: r.counter.key, entry: r.counter.entry, named: r.counter, also: r.also.map((c) => c.key) };
  }

  /** The counter named `name` (any form resolveCounter takes) and the code incrementing it. */
  async counterSites(name: string, opts: { driver?: string } = {}): Promise<CounterSitesResult> {
    const map = await this.counterMap();
    const { key, entry: e, also } = await this.resolveCounter(name);
    // The same MIB or field printed under other line prefixes (Udp and UdpLite share
    // UDP_MIB_RCVBUFERRORS): the same increments, so one answer whichever of them was named.
    const entries = map.entries.filter((x) => x === e || (x.file === e.file && x.name === e.name && x.mib === e.mib && x.field === e.field && x.struct === e.struct));
    const wanted = new Set(entries);
    const merged = new Set(entries.map(qualifiedName));
    const others = also.filter((k) => !merged.has(k));
    const sites: CounterSite[] = [];
    for (const [rel, f] of this.index.files) {
      const mib = e.mib;
      const field = e.field;
      const any = f.increments.some((i) => (mib ? i.kind === 'mib' && i.name === mib : i.kind === 'field' && i.name === field));
      if (!any) continue;
      const ids = this.fileIds(rel);
      for (const inc of f.increments) {
        if (ids[inc.fn] === undefined) continue;
        if (this.countersOf(map, inc, ids[inc.fn]).some((x) => wanted.has(x))) {
          sites.push({ function: f.functions[inc.fn].name, file: rel, line: inc.line, via: inc.via });
        }
      }
    }
    sites.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const prefixes = [...new Set(entries.map((x) => x.prefix).filter((p): p is string => !!p))];
    const head = { counter: e.name, key, file: e.file, mib: e.mib ?? null, ...(e.field ? { field: e.field } : {}), ...(prefixes.length ? { prefixes } : {}), ...(others.length ? { also: others } : {}) };
    // A device counter asked for one device: its driver's sites first, the core's next.
    if (opts.driver !== undefined && validDriverName(opts.driver)) {
      const mine = new Set(driverFiles(this.index.kbuild, opts.driver));
      return { ...head, sites: groupSites(sites, mine), driver: { name: opts.driver, files: mine.size } };
    }
    return { ...head, sites };
  }

  /** Drop sites of one file, cached until its facts change. `text` analyses an unsaved buffer. */
  async fileSites(rel: string): Promise<DropSite[]> {
    const facts = this.index.files.get(rel);
    if (!facts) return [];
    const stamp = `${facts.mtimeMs}:${facts.size}`;
    const hit = this.cache.get(rel);
    if (hit && hit.stamp === stamp) return hit.sites;
    let sites = await this.computeFileSites(facts);
    // Driver-private counters met for the first time: find what their stats getters report them as, then again.
    if (this.pendingAliases.size) {
      await this.resolveAliases();
      sites = await this.computeFileSites(facts);
    }
    this.cache.set(rel, { stamp, sites });
    return sites;
  }

  private async computeFileSites(facts: FileFacts): Promise<DropSite[]> {
    const map = await this.counterMap();
    const ids = this.fileIds(facts.path);
    const freeNames = (n: string) => this.k.freeFunctions.has(n) || this.k.conditionalFrees.has(n);
    const needAst = new Set<number>();
    for (const g of facts.gotos) needAst.add(g.fn);
    for (const c of facts.calls) if (c.kind === 'direct' && freeNames(c.name)) needAst.add(c.fn);
    const analyses = new Map<number, FunctionDropFacts>();
    if (needAst.size) {
      await this.parser.with(facts.path, ({ root, text }) => {
        for (const i of needAst) {
          const node = functionNodeAt(root, facts.functions[i].line);
          if (node) analyses.set(i, analyseFunction(node, text, this.k));
        }
      }, undefined, functionSpans(facts.functions, needAst));
    }
    const reasons = this.reasons();
    const incByFn = new Map<number, Increment[]>();
    for (const inc of facts.increments) {
      const list = incByFn.get(inc.fn);
      if (list) list.push(inc);
      else incByFn.set(inc.fn, [inc]);
    }
    const out: DropSite[] = [];
    facts.functions.forEach((fn, i) => {
      const id = ids[i];
      // After an edit the graph may predate the file's facts (it is rebuilt on a full open only).
      if (id === undefined || this.graph.nodes[id].name !== fn.name) return;
      const a = analyses.get(i);
      const incs = incByFn.get(i) ?? [];
      const withReason = (reason: string | null, possible?: PossibleReasons) => ({ reason, ...(reason && reasons.has(reason) ? { reasonText: reasons.get(reason) } : {}), ...(!reason && possible ? { reasons: possible } : {}) });
      // Drop labels: their code frees the skb or counts a drop.
      const dropLabels = new Map<string, { line: number; bodyLine: number; counters: Reached[]; segments: Segment[]; fallsInto: boolean }>();
      for (const code of a?.labels ?? []) {
        const onLines = (line: number) => code.segments.some((g) => line >= g.startLine && line <= g.endLine);
        const reached = [
          ...incs.filter((x) => onLines(x.line)).flatMap((x) => this.dropCounters(map, x, id).map((entry) => ({ entry, through: [] }))),
          ...this.reachedFromCalls(map, id, onLines),
        ];
        if (code.frees.length || reached.length) dropLabels.set(code.label, { line: code.line, bodyLine: code.bodyLine, counters: reached, segments: code.segments, fallsInto: code.fallsInto });
      }
      // A label's frees and counters are its gotos' sites; when code also runs into the label,
      // they are sites of their own as well.
      const reachedOnlyByGoto = [...dropLabels.values()].filter((l) => !l.fallsInto);
      const inLabel = (line: number) => reachedOnlyByGoto.some((l) => l.segments.some((g) => line >= g.startLine && line <= g.endLine));
      for (const g of a?.gotos ?? []) {
        const l = dropLabels.get(g.label);
        if (!l) continue;
        const through = l.counters.find((r) => r.through.length)?.through;
        out.push({ function: fn.name, file: facts.path, line: g.line, kind: 'goto', label: g.label, labelLine: l.line, labelBodyLine: l.bodyLine, ...withReason(g.reason, g.reasons),
          counters: names(l.counters), ...(g.condition ? { condition: g.condition, conditionLine: g.conditionLine, branchLine: g.branchLine } : {}),
          ...(g.reasonVariable ? { reasonVariable: g.reasonVariable } : {}), ...(l.fallsInto ? { labelFallsInto: true } : {}), ...(through ? { through } : {}) });
      }
      for (const f of a?.frees ?? []) {
        if (reachedOnlyByGoto.some((l) => l.segments.some((g) => f.at >= g.start && f.at < g.end))) continue;
        out.push({ function: fn.name, file: facts.path, line: f.line, kind: 'free', ...withReason(f.reason, f.reasons), counters: [], via: f.name,
          ...(this.k.conditionalFrees.has(f.name) ? { notAlwaysDrop: true } : {}) });
      }
      for (const inc of incs) {
        if (inLabel(inc.line)) continue;
        const counters = this.dropCounters(map, inc, id);
        if (counters.length) out.push({ function: fn.name, file: facts.path, line: inc.line, kind: 'counter', reason: null, counters: names(counters.map((entry) => ({ entry, through: [] }))), via: inc.via });
      }
      // Counting helpers and callbacks called outside drop labels (sk_drops_add, tap->count_rx_dropped).
      const byLine = new Map<number, Reached[]>();
      for (const e of this.graph.outOf(id)) {
        const edge = this.graph.edgeAt(e);
        if (inLabel(edge.line) || !this.followable(edge, false)) continue;
        const r = this.reachedFrom(map, edge.to, 1, new Set([id]), [this.graph.nodes[edge.to].name], false);
        if (r.length) byLine.set(edge.line, [...(byLine.get(edge.line) ?? []), ...r]);
      }
      for (const [line, r] of byLine) {
        if (out.some((s) => s.kind === 'counter' && s.line === line && s.function === fn.name)) continue;
        out.push({ function: fn.name, file: facts.path, line, kind: 'counter', reason: null, counters: names(r), via: r[0].through[0], through: r[0].through });
      }
    });
    out.sort((x, y) => x.line - y.line || kindOrder(x.kind) - kindOrder(y.kind));
    return out;
  }

  /** Counters reached by the calls a label's code makes: every callee, and resolved callbacks, are followed. */
  private reachedFromCalls(map: CounterMap, id: number, onLines: (line: number) => boolean): Reached[] {
    const out: Reached[] = [];
    for (const e of this.graph.outOf(id)) {
      const edge = this.graph.edgeAt(e);
      if (!onLines(edge.line)) continue;
      const callee = this.graph.nodes[edge.to];
      if (!this.followable(edge, true) && edge.kind !== 'direct' && edge.kind !== 'macro') continue;
      if (this.k.freeFunctions.has(callee.name) || this.k.conditionalFrees.has(callee.name) || this.k.notDrops.has(callee.name)) continue;
      const first = edge.kind === 'direct' ? callee.name : `${this.callText(id, edge.line, edge.col) ?? callee.name}`;
      const through = first === callee.name ? [callee.name] : [first, callee.name];
      out.push(...this.reachedFrom(map, edge.to, 1, new Set([id]), through, true));
    }
    return out;
  }

  /** Counters a function increments, and those of the inline helpers and callbacks it calls, to labelFollowDepth. */
  private reachedFrom(map: CounterMap, id: number, depth: number, seen: Set<number>, through: string[], callbacks: boolean): Reached[] {
    if (seen.has(id) || depth > this.k.labelFollowDepth) return [];
    seen.add(id);
    const node = this.graph.nodes[id];
    const facts = this.index.files.get(node.file);
    if (!facts) return [];
    const out: Reached[] = [];
    for (const inc of facts.increments) if (inc.fn === node.index) for (const entry of this.dropCounters(map, inc, id)) out.push({ entry, through });
    for (const e of this.graph.outOf(id)) {
      const edge = this.graph.edgeAt(e);
      if (!this.followable(edge, callbacks)) continue;
      out.push(...this.reachedFrom(map, edge.to, depth + 1, seen, [...through, this.graph.nodes[edge.to].name], callbacks));
    }
    return out;
  }

  /**
   * Inline helpers are followed (they count for their caller); so are callbacks resolved to a
   * few candidates when `callbacks` (a drop label's `tap->count_rx_dropped(tap)`). Other calls
   * are functions with drop sites of their own.
   */
  private followable(edge: Edge, callbacks: boolean): boolean {
    const n = this.graph.nodes[edge.to];
    if (this.k.freeFunctions.has(n.name) || this.k.conditionalFrees.has(n.name) || this.k.notDrops.has(n.name)) return false;
    if (edge.kind === 'field' || edge.kind === 'registered' || edge.kind === 'variable') return callbacks && (edge.candidates ?? 1) <= this.k.maxCallbackCandidates;
    const fn = this.index.files.get(n.file)?.functions[n.index];
    return !!fn && (fn.flags & FN_INLINE) !== 0;
  }

  /** `tap->count_rx_dropped` for a field call at this site, from the index's call facts. */
  private callText(id: number, line: number, col: number): string | undefined {
    const node = this.graph.nodes[id];
    const c = this.index.files.get(node.file)?.calls.find((x) => x.fn === node.index && x.line === line && x.col === col);
    if (!c) return undefined;
    return c.kind === 'field' && c.receiver !== undefined ? `${c.receiver}${c.op ?? '->'}${c.name}` : c.name;
  }

  private dropCounters(map: CounterMap, inc: Increment, id: number): CounterEntry[] {
    return this.countersOf(map, inc, id).filter((e) => e.drop);
  }

  /** Counter-map entries an increment feeds. */
  countersOf(map: CounterMap, inc: Increment, id: number): CounterEntry[] {
    if (inc.kind === 'mib') {
      const family = this.k.mibFamilies.find((f) => f.macros.test(inc.via));
      return (map.byMib.get(inc.name) ?? []).filter((e) => !family || e.source.file === family.source);
    }
    const type = this.graph.typeOf(inc.receiver ?? '', id);
    if (type && type !== this.k.sysfs.struct) {
      const reported = this.aliases.get(type);
      if (reported === undefined) this.pendingAliases.add(type);
      else if (reported?.has(inc.name)) return reported.get(inc.name)!.flatMap((n) => (map.byField.get(n) ?? []).filter((e) => !map.strict.has(e)));
    }
    return (map.byField.get(inc.name) ?? []).filter((e) => !map.strict.has(e) || type === e.struct);
  }

  /** For each pending struct, the statistics its fields are reported as by the functions that copy them into rtnl_link_stats64. */
  private async resolveAliases(): Promise<void> {
    const structs = [...this.pendingAliases];
    this.pendingAliases.clear();
    const stats = this.k.sysfs.struct;
    if (!this.getters) {
      this.getters = new Map();
      // Only files whose stored functions name the stats struct are decoded (a few hundred, not all).
      for (const [file, facts] of this.index.files) {
        if (!mayContain(facts, 'functions', stats)) continue;
        const ids = this.fileIds(file);
        facts.functions.forEach((fn, index) => {
          const vars = fn.vars;
          const id = ids[index];
          if (!vars || id === undefined || !Object.values(vars).includes(stats)) return;
          for (const t of new Set(Object.values(vars))) if (t !== stats) this.getters!.set(t, [...(this.getters!.get(t) ?? []), id]);
        });
      }
      // In graph order, as before: the aliases found first win the same way.
      for (const list of this.getters.values()) list.sort((a, b) => a - b);
    }
    for (const struct of structs) {
      const found = new Map<string, Set<string>>();
      const byFile = new Map<string, number[]>();
      for (const id of this.getters.get(struct) ?? []) byFile.set(this.graph.nodes[id].file, [...(byFile.get(this.graph.nodes[id].file) ?? []), id]);
      for (const [file, ids] of byFile) {
        const fns = this.index.files.get(file)?.functions ?? [];
        await this.parser.with(file, ({ root }) => {
          for (const id of ids) {
            const n = this.graph.nodes[id];
            const fn = this.index.files.get(file)?.functions[n.index];
            const node = fn && functionNodeAt(root, fn.line);
            if (!fn || !node) continue;
            for (const [field, as] of statsAliases(node, fn.vars ?? {}, struct, stats)) found.set(field, (found.get(field) ?? new Set()).add(as));
          }
        }, undefined, functionSpans(fns, ids.map((id) => this.graph.nodes[id].index)));
      }
      this.aliases.set(struct, found.size ? new Map([...found].map(([f, as]) => [f, [...as].sort()])) : null);
    }
  }

  private fileIds(rel: string): number[] {
    if (!this.idsByFile) {
      this.idsByFile = new Map();
      for (const n of this.graph.nodes) {
        let list = this.idsByFile.get(n.file);
        if (!list) this.idsByFile.set(n.file, (list = []));
        list[n.index] = n.id;
      }
    }
    return this.idsByFile.get(rel) ?? [];
  }
}

function names(r: Reached[]): string[] {
  return [...new Set(r.map((x) => x.entry.name))].sort();
}

function kindOrder(k: DropSite['kind']): number {
  return k === 'goto' ? 0 : k === 'free' ? 1 : 2;
}

export function qualifiedName(e: CounterEntry): string {
  return e.prefix ? `${e.prefix}:${e.name}` : e.file.includes(e.name) ? e.name : `${e.file}:${e.name}`;
}
