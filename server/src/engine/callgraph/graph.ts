// The receive call graph: direct calls plus indirect calls resolved to the functions that
// flow into the field, variable or macro they go through. Pure: built from FileFacts.
import type { AddressTaken, FileFacts } from '../types';
import { flat, forgetDecoded, notDecoded, type DecodedKey, type StoredLists } from '../codec';
import { baseKnowledge, type Knowledge } from '../knowledge';
import type { Edge, EdgeKind, FnNode, Hop, ResolutionStats } from './types';
import { fieldTypes, functionArgument, returnStruct, typeOfExpr, type FieldTypes } from './types-of';
import { summariseRegistrations } from './registrations';
import { PKT_LOCAL, PKT_PARAM, rankedPaths, type PathOptions } from './paths';
import { EdgeTable, Rows } from './edge-table';
import { drain, due, type Steps } from '../slices';
import { EdgeColumns } from './edge-columns';

/** An invoker outside the indexed scope, and where the function is handed to it. */
export interface ExternalCaller { via: string; file: string; line: number }

/** A function flowing into a field, and how: `.f = fn`, `x->f = fn`, or through a registration helper. */
export interface Flow { fn: number; struct?: string; via: 'init' | 'assign' | 'registered' }

export class CallGraph {
  readonly nodes: FnNode[] = [];
  readonly byName = new Map<string, number[]>();
  readonly flows = new Map<string, Flow[]>();
  // Edges live in columns (EdgeTable) and adjacency in compressed rows (Rows), built or restored
  // alike; Edge objects and adjacency arrays are made only if something asks for all of them.
  // Searches read edges through edgeTo()/outOf() and friends, which serve both without copying.
  // (A restored graph of an older file may hand over Edge objects: then the arrays are used.)
  private _edges: Edge[] | undefined;
  private _out: number[][] | undefined;
  private _in: number[][] | undefined;
  private table: EdgeTable | undefined;
  private outRows: Rows | undefined;
  private inRows: Rows | undefined;
  stats!: ResolutionStats;
  private fields!: FieldTypes;
  private readonly fileIds = new Map<string, number[]>();
  /** Function -> functions it returns as values (`br_get_rx_handler` -> br_handle_frame, ...). */
  private readonly returns = new Map<number, number[]>();
  // Settable: a restored graph (restore() below) fills them on the first typeOf call.
  /** Per node: its locals' struct types, packed (compactVars), decoded by typeOf as it needs them. */
  private vars: CompactVars[] = [];
  /** Per node: the struct its signature returns a pointer to (returnOf), if any. */
  private returnStructs: Array<string | undefined> = [];
  private lastVars: { id: number; vars: Record<string, string> | undefined } = { id: -1, vars: undefined };
  // A built graph reads its arrays; a restored one reads its files lazily (loadTypes).
  private varsAt: (id: number) => CompactVars = (id) => this.vars[id];
  private returnAt: (id: number) => string | undefined = (id) => this.returnStructs[id];
  /** Strings the graph keeps, one flat copy each (intern). */
  private readonly interned = new Map<string, string>();

  /**
   * `opts.reading` is told which stored lists the build still reads (and `undefined` when it
   * ends): the index then holds only those of its shards (KernelIndex.keepStoredLists).
   */
  static build(files: Map<string, FileFacts>, knowledge: Knowledge, opts: { reading?: (lists: StoredLists | undefined) => void } = {}): CallGraph {
    opts.reading?.({ lists: BUILD_LISTS, typedDefsOnly: true });
    try {
      return CallGraph.resolve(files, knowledge, opts.reading);
    } finally {
      opts.reading?.(undefined);
    }
  }

  private static resolve(files: Map<string, FileFacts>, knowledge: Knowledge, reading: ((lists: StoredLists) => void) | undefined): CallGraph {
    const g = new CallGraph();
    const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    // The build leaves decoded what it found decoded (another reader's), and forgets what it decoded.
    const mine = new Map(sorted.map((f) => [f, new Set(notDecoded(f, BUILD_LISTS))]));
    const forget = (f: FileFacts, keys: DecodedKey[]) => forgetDecoded(f, keys.filter((k) => mine.get(f)!.has(k)));
    // Parameter names and local types repeat across 700k functions (skb, sk_buff): one copy each.
    const intern = g.intern.bind(g);
    for (const f of sorted) {
      const ids: number[] = [];
      f.functions.forEach((fn, index) => {
        const id = g.nodes.length;
        const pkt = packetFlags(fn.params, fn.vars);
        const params = fn.params?.map(intern);
        // A name read from the stored text is a slice of it: a copy, or it would keep the whole text.
        const name = flat(fn.name);
        g.nodes.push({ id, name, file: f.path, line: fn.line, index, isStatic: (fn.flags & 1) === 1, ...(params ? { params } : {}), ...(pkt ? { pkt } : {}) });
        g.vars.push(compactVars(fn.vars, intern));
        g.returnStructs.push(returnOf(fn.signature, fn.name, intern));
        ids.push(id);
        const list = g.byName.get(name);
        if (list) list.push(id);
        else g.byName.set(name, [id]);
      });
      g.fileIds.set(f.path, ids);
      // Read once: what the graph keeps of them (params, vars, return types) it holds itself.
      forget(f, ['functions']);
    }
    g.fields = fieldTypes(releasing(sorted, ['structs', 'defs']));
    reading?.({ lists: PASS_LISTS });
    // Each pass decodes a file's lists as it reads it and forgets them after: the whole tree's
    // address-taken and call rows decoded at once are the better part of a gigabyte. Decoding
    // again per pass costs a few seconds; the stored text stays in the shards meanwhile.
    const passes: Iterable<FileFacts> = {
      *[Symbol.iterator]() {
        for (const f of sorted) {
          yield f;
          forget(f, ['addressTaken', 'copies', 'calls']);
        }
      },
    };
    g.collectFlows(passes);
    g.collectEdges(passes, knowledge);
    g.collectExternal(passes, knowledge);
    for (const f of sorted) forget(f, ['macroCalls']);
    g.interned.clear();
    return g;
  }

  /** One flat copy of each string the graph keeps (not a slice of a file's stored text). */
  private intern(s: string): string {
    const x = this.interned.get(s);
    if (x !== undefined) return x;
    const c = flat(s);
    this.interned.set(c, c);
    return c;
  }

  get edges(): Edge[] {
    return (this._edges ??= this.table!.all());
  }

  /** Edge ids by caller (all calls a function makes), as arrays. */
  get out(): number[][] {
    return (this._out ??= this.outRows!.lists());
  }

  /** Edge ids by callee (all calls that reach a function), as arrays. */
  get in(): number[][] {
    return (this._in ??= this.inRows!.lists());
  }

  /** The calls a function makes (edge ids), without making the whole adjacency. */
  outOf(n: number): ArrayLike<number> & Iterable<number> {
    return this.outRows ? this.outRows.of(n) : this._out![n];
  }

  /** The calls that reach a function (edge ids), without making the whole adjacency. */
  inOf(n: number): ArrayLike<number> & Iterable<number> {
    return this.inRows ? this.inRows.of(n) : this._in![n];
  }

  get edgeCount(): number {
    return this.table ? this.table.length : this._edges!.length;
  }

  /** One edge as an object (a restored graph makes just this one). */
  edgeAt(e: number): Edge {
    return this.table && !this._edges ? this.table.edge(e) : this._edges![e];
  }

  edgeFrom(e: number): number {
    return this.table ? this.table.from(e) : this._edges![e].from;
  }

  edgeTo(e: number): number {
    return this.table ? this.table.to(e) : this._edges![e].to;
  }

  edgeKind(e: number): EdgeKind {
    return this.table ? this.table.kind(e) : this._edges![e].kind;
  }

  edgeCandidates(e: number): number | undefined {
    return this.table ? this.table.candidates(e) : this._edges![e].candidates;
  }

  edgeLine(e: number): number {
    return this.table ? this.table.line(e) : this._edges![e].line;
  }

  edgeCol(e: number): number {
    return this.table ? this.table.col(e) : this._edges![e].col;
  }

  edgeParam(e: number): number | undefined {
    return this.table ? this.table.param(e) : this._edges![e].param;
  }

  /** Functions a name can mean when used in `file`: its own definition, else visible ones elsewhere. */
  resolveName(name: string, file: string): number[] {
    const ids = this.byName.get(name);
    if (!ids) return [];
    const same = ids.filter((id) => this.nodes[id].file === file);
    if (same.length) return same;
    // A static function is visible only in its file, or where its header is included.
    return ids.filter((id) => !this.nodes[id].isStatic || this.nodes[id].file.endsWith('.h'));
  }

  idsOf(name: string): number[] {
    return this.byName.get(name) ?? [];
  }

  typeOf(expr: string, fn: number): string | undefined {
    if (this.pendingTypes) this.loadTypes();
    return typeOfExpr(expr, fn >= 0 ? this.varsOf(fn) : undefined, this.fields, (callee) => this.returnType(callee));
  }

  /** A node's locals as typeOf reads them (the last one decoded is kept: calls come function by function). */
  private varsOf(fn: number): Record<string, string> | undefined {
    if (this.lastVars.id !== fn) this.lastVars = { id: fn, vars: expandVars(this.varsAt(fn)) };
    return this.lastVars.vars;
  }

  /** Functions flowing into `field`, narrowed by the receiver's struct type and the call's arity. */
  resolveField(field: string, recvType: string | undefined, arity: number): Flow[] {
    const all = this.flows.get(field) ?? [];
    let list = all;
    // A known receiver type is trusted: flows into another struct's field of the same name,
    // or of unknown struct, would be guesses (`nrh->handler` is not `net_protocol.handler`).
    if (recvType) list = all.filter((f) => f.struct === recvType);
    const fit = list.filter((f) => {
      const p = this.nodes[f.fn].params;
      return !p || p.includes('...') || p.length === arity || (arity === 0 && p.length === 1 && p[0] === '');
    });
    if (fit.length) list = fit;
    const seen = new Set<number>();
    return list.filter((f) => !seen.has(f.fn) && seen.add(f.fn));
  }

  hop(e: Edge): Hop {
    const h: Hop = { caller: this.nodes[e.from].name, callee: this.nodes[e.to].name, file: e.file, line: e.line, kind: e.kind };
    if (e.candidates !== undefined) h.candidates = e.candidates;
    return h;
  }

  /** Up to `k` most likely call chains from any function named `from` to any named `to` (paths.ts). */
  paths(from: string, to: string, k: number, opts: PathOptions = {}): Hop[][] {
    return this.rankedPaths(from, to, k, opts).map((p) => p.hops);
  }

  /**
   * The same with each chain's total cost; `via` chains are joined segment by segment. `from` may
   * be node ids instead of a name (the receive-path view starts from every NAPI poll function).
   */
  rankedPaths(from: string | number[], to: string, k: number, opts: PathOptions = {}): Array<{ hops: Hop[]; cost: number }> {
    const avoid = new Set((opts.avoid ?? []).flatMap((n) => this.idsOf(n)));
    const stops: Array<string | number[]> = [from, ...(opts.via ?? []), to];
    // Each segment's best k chains, combined cheapest first; a chain may not revisit a function.
    let partial: Array<{ edges: number[]; costs: number[]; why: Array<string | undefined>; cost: number }> = [{ edges: [], costs: [], why: [], cost: 0 }];
    for (let i = 0; i + 1 < stops.length; i++) {
      const ids = (stop: string | number[]) => (typeof stop === 'string' ? this.idsOf(stop) : stop);
      const src = ids(stops[i]);
      const dst = new Set(ids(stops[i + 1]));
      if (!src.length || !dst.size) return [];
      const seg = rankedPaths(this, src, dst, k, {
        avoid, ...(opts.maxCandidates !== undefined ? { maxCandidates: opts.maxCandidates } : {}), ...(i === 0 && opts.family ? { family: opts.family } : {}),
      });
      const next: typeof partial = [];
      for (const a of partial) {
        for (const b of seg) {
          const seen = new Set(a.edges.map((e) => this.edgeFrom(e)));
          if (a.edges.length && this.edgeTo(a.edges[a.edges.length - 1]) !== this.edgeFrom(b.edges[0])) continue;
          if (b.edges.some((e) => seen.has(this.edgeTo(e)))) continue;
          next.push({ edges: [...a.edges, ...b.edges], costs: [...a.costs, ...b.costs], why: [...a.why, ...b.why], cost: a.cost + b.cost });
        }
      }
      next.sort((x, y) => x.cost - y.cost);
      partial = next.slice(0, k);
      if (!partial.length) return [];
    }
    return partial.map((p) => ({
      cost: round(p.cost),
      hops: p.edges.map((e, i) => ({ ...this.hop(this.edgeAt(e)), cost: round(p.costs[i]), ...(p.why[i] ? { why: p.why[i] } : {}) })),
    }));
  }

  private returnType(callee: string): string | undefined {
    // Every id of the name is a function of that name: its signature's return struct is returnOf's.
    for (const id of this.idsOf(callee)) {
      const t = this.returnAt(id);
      if (t) return t;
    }
    return undefined;
  }

  private addFlow(field: string, flow: Flow) {
    const list = this.flows.get(field);
    if (flow.struct !== undefined) flow.struct = this.intern(flow.struct);
    if (list) list.push(flow);
    else this.flows.set(this.intern(field), [flow]);
  }

  /** Functions a value names: the function itself, or for `get_handler(dev)` what get_handler returns. */
  valueFunctions(a: AddressTaken, file: string): number[] {
    const named = this.resolveName(a.name, file);
    if (!a.ret) return named;
    const out = new Set<number>();
    for (const id of named) for (const r of this.returns.get(id) ?? []) out.add(r);
    return [...out];
  }

  private collectReturns(files: Iterable<FileFacts>) {
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
      for (const a of f.addressTaken) {
        if (a.ctx !== 'return' || a.fn < 0) continue;
        const fns = this.resolveName(a.name, f.path);
        if (!fns.length) continue;
        const list = this.returns.get(ids[a.fn]);
        if (list) list.push(...fns);
        else this.returns.set(ids[a.fn], fns);
      }
    }
  }

  /** Function -> where it is handed to code outside the indexed scope that calls it (collectExternal). */
  readonly external = new Map<number, ExternalCaller[]>();

  private collectFlows(files: Iterable<FileFacts>) {
    this.collectReturns(files);
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
      for (const a of f.addressTaken) {
        if (a.param || !a.field || (a.ctx !== 'init' && a.ctx !== 'assign')) continue;
        let struct: string | undefined;
        if (a.ctx === 'init') struct = a.within ? (a.struct ? this.fields.get(a.struct)?.get(a.within) : undefined) : a.struct;
        else if (a.target !== undefined) struct = this.typeOf(a.target, a.fn >= 0 ? ids[a.fn] : -1);
        for (const fn of this.valueFunctions(a, f.path)) this.addFlow(a.field, { fn, via: a.ctx, ...(struct ? { struct } : {}) });
      }
    }
    for (const r of summariseRegistrations(this, files, this.fileIds)) this.addFlow(r.field, { fn: r.fn, via: 'registered', ...(r.struct ? { struct: r.struct } : {}) });
    this.copyFlows(files);
  }

  /**
   * Field-to-field copies (`new->hooks[n].hook = reg->hook`, `udp_sk(sk)->encap_rcv = cfg->encap_rcv`):
   * what flows into the source field of the source's struct flows into the target field. Both
   * struct types must be known, or a copy of a generic field name would leak across structs.
   */
  private copyFlows(files: Iterable<FileFacts>) {
    const copies: Array<{ from: string; fromStruct: string; to: string; toStruct: string }> = [];
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
      for (const c of f.copies ?? []) {
        if (!this.flows.has(c.from)) continue;
        const fn = c.fn >= 0 ? ids[c.fn] : -1;
        const fromStruct = this.typeOf(c.source, fn);
        const toStruct = fromStruct ? this.typeOf(c.target, fn) : undefined;
        if (fromStruct && toStruct && !(fromStruct === toStruct && c.from === c.field)) copies.push({ from: c.from, fromStruct, to: c.field, toStruct });
      }
    }
    const have = new Set<string>();
    for (const [field, list] of this.flows) for (const fl of list) have.add(`${fl.struct ?? ''}\0${field}\0${fl.fn}`);
    // Copies chain (an ops table copied into a registration, then into the hook entry): to a fixpoint.
    for (let round = 0; round < 8; round++) {
      let changed = false;
      for (const c of copies) {
        for (const fl of [...(this.flows.get(c.from) ?? [])]) {
          if (fl.struct !== c.fromStruct) continue;
          const key = `${c.toStruct}\0${c.to}\0${fl.fn}`;
          if (have.has(key)) continue;
          have.add(key);
          this.addFlow(c.to, { fn: fl.fn, struct: c.toStruct, via: fl.via === 'registered' ? 'registered' : 'assign' });
          changed = true;
        }
      }
      if (!changed) break;
    }
  }

  private collectEdges(files: Iterable<FileFacts>, knowledge: Knowledge) {
    const sites: Array<{ resolved: number; naive: number }> = [];
    const columns = new EdgeColumns();
    const add = columns.add.bind(columns);
    const argFlows = this.argumentFlows(files);
    const wrappers = new Set(knowledge.valueWrappers);
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
      // Every edge added in this iteration starts at a function of f: duplicates stay within it.
      columns.newScope();
      for (const c of f.calls) {
        const from = ids[c.fn];
        if (from === undefined) continue;
        if (c.kind === 'direct') {
          for (const to of this.resolveName(c.name, f.path)) add(from, to, f.path, c.line, c.col, 'direct');
        } else if (c.kind === 'field') {
          const flows = this.resolveField(c.name, this.typeOf(c.receiver ?? '', from), c.args);
          sites.push({ resolved: flows.length, naive: this.naiveCount(c.name) });
          for (const fl of flows) add(from, fl.fn, f.path, c.line, c.col, fl.via === 'registered' ? 'registered' : 'field', flows.length);
        } else if (c.kind === 'variable') {
          let targets: number[] = [];
          let naive: number;
          let param: number | undefined;
          if (c.loadedField) {
            const recv = (c.loadedFrom ?? '').replace(/\s*(->|\.)\s*[A-Za-z_]\w*$/, '');
            targets = this.resolveField(c.loadedField, this.typeOf(recv, from), c.args).map((x) => x.fn);
            naive = this.naiveCount(c.loadedField);
          } else {
            const k = this.nodes[from].params?.indexOf(c.name) ?? -1;
            if (k >= 0) targets = [...(argFlows.get(`${this.nodes[from].name}/${k}`) ?? [])];
            naive = targets.length;
            if (k >= 0) param = k;
          }
          sites.push({ resolved: targets.length, naive });
          for (const to of targets) add(from, to, f.path, c.line, c.col, 'variable', targets.length, param);
        }
      }
      for (const m of f.macroCalls) {
        const from = ids[m.fn];
        const spec = knowledge.macroDispatch[m.macro];
        if (from === undefined || !spec) continue;
        // NF_HOOK and friends are static inlines: their body (nf_hook -> nf_hook_slow -> the
        // registered hooks) runs before the okfn, so the call reaches it too.
        for (const to of this.resolveName(m.macro, f.path)) add(from, to, f.path, m.line, m.col, 'direct');
        const named = spec.candidates.flatMap((p) => (m.args[p] ? this.resolveName(m.args[p].replace(/^&\s*/, ''), f.path) : []));
        let fallback: Flow[] = [];
        let naive = named.length;
        if (spec.callee !== undefined && m.args[spec.callee]) {
          const fm = /^(.*?)\s*(->|\.)\s*([A-Za-z_]\w*)$/s.exec(unwrapValue(m.args[spec.callee], wrappers));
          if (fm) {
            const arity = m.args.length - 1 - spec.candidates.length;
            fallback = this.resolveField(fm[3], this.typeOf(fm[1], from), arity).filter((x) => !named.includes(x.fn));
            naive += this.naiveCount(fm[3]);
          }
        }
        const total = named.length + fallback.length;
        sites.push({ resolved: total, naive });
        for (const to of named) add(from, to, f.path, m.line, m.col, 'macro', total);
        for (const fl of fallback) add(from, fl.fn, f.path, m.line, m.col, fl.via === 'registered' ? 'registered' : 'field', total);
      }
    }
    // A packet queued for later (the backlog, a GRO cell) is taken up by a NAPI poll function in
    // another softirq round: no call, but the chain a packet takes goes on there.
    columns.newScope();
    for (const [enqueue, poll] of Object.entries(knowledge.queuedHandoffs)) {
      for (const from of this.idsOf(enqueue)) {
        const n = this.nodes[from];
        for (const to of this.resolveName(poll, n.file)) add(from, to, n.file, n.line, 0, 'queued');
      }
    }
    this.stats = resolutionStats(sites);
    drain(this.setEdges(columns.finish()));
    this.collectEdgeArgs(files);
  }

  /**
   * Edge index -> the functions its call passes, by argument position: what a callee's callback
   * parameter holds when reached through that call (ip_rcv's NF_HOOK(..., ip_rcv_finish) calls
   * ip_rcv_finish as okfn, not every okfn of the tree). Path search uses it to stay in context.
   */
  readonly edgeArgs = new Map<number, Array<[number, number]>>();

  private collectEdgeArgs(files: Iterable<FileFacts>) {
    // The direct edges of a caller to a callee name, in edge order: read from the caller's row
    // (a map of every direct call by caller and name cost hundreds of MB on the whole tree).
    const byCall = (from: number, callee: string): number[] => {
      const out: number[] = [];
      for (const i of this.outOf(from)) if (this.edgeKind(i) === 'direct' && this.nodes[this.edgeTo(i)].name === callee) out.push(i);
      return out;
    };
    const note = (edges: number[] | undefined, line: number, col: number, pos: number, fns: number[]) => {
      if (!edges || !fns.length) return;
      // The call an argument belongs to: the last call site at or before it.
      let best = -1;
      for (const i of edges) {
        const el = this.edgeLine(i);
        const ec = this.edgeCol(i);
        if (el < line || (el === line && ec <= col)) if (best < 0 || el > this.edgeLine(best) || (el === this.edgeLine(best) && ec > this.edgeCol(best))) best = i;
      }
      if (best < 0) return;
      // A name with several definitions (NF_HOOK and its !CONFIG_NETFILTER stub) has an edge to
      // each from the same call site: each gets the arguments.
      for (const i of edges) {
        if (this.edgeLine(i) !== this.edgeLine(best) || this.edgeCol(i) !== this.edgeCol(best)) continue;
        let list = this.edgeArgs.get(i);
        if (!list) this.edgeArgs.set(i, (list = []));
        for (const fn of fns) list.push([pos, fn]);
      }
    };
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
      for (const a of f.addressTaken) {
        if (a.ctx !== 'arg' || a.param || !a.callee || a.argPos === undefined || a.fn < 0) continue;
        note(byCall(ids[a.fn], a.callee), a.line, a.col, a.argPos, this.valueFunctions(a, f.path));
      }
      for (const m of f.macroCalls) {
        if (m.fn < 0) continue;
        const edges = byCall(ids[m.fn], m.macro);
        m.args.forEach((arg, pos) => {
          const name = functionArgument(arg);
          if (name) note(edges, m.line, m.col, pos, this.resolveName(name, f.path));
        });
      }
    }
  }

  /**
   * Callers outside the indexed scope: a function handed to a registration the index cannot
   * follow (a macro or a function defined elsewhere: timers, RCU, workqueues, initcalls), or
   * stored into a field no indexed code calls through, and with no caller in the graph. It gets
   * an external caller, so "no caller" is left to real resolution gaps.
   */
  private collectExternal(files: Iterable<FileFacts>, knowledge: Knowledge) {
    for (const f of files) {
      for (const a of f.addressTaken) {
        if (a.param || a.ctx === 'return') continue;
        let via: string | undefined;
        if (a.ctx === 'arg' && a.callee) {
          const defined = this.idsOf(a.callee).length > 0;
          const label = Object.hasOwn(knowledge.externalInvokers, a.callee) ? knowledge.externalInvokers[a.callee] : undefined;
          if (label || !defined) via = label ? `${a.callee}: ${label}` : `${a.callee} (outside the indexed scope)`;
        } else if ((a.ctx === 'init' || a.ctx === 'assign') && a.field) {
          via = `${a.struct ? `${a.struct}.` : ''}${a.field} (no indexed caller calls through it)`;
        }
        if (!via) continue;
        for (const fn of this.valueFunctions(a, f.path)) {
          if (this.inOf(fn).length) continue;
          const list = this.external.get(fn);
          const ext = { via: this.intern(via), file: f.path, line: a.line };
          if (!list) this.external.set(fn, [ext]);
          else if (list.length < 4 && !list.some((x) => x.via === via)) list.push(ext);
        }
      }
    }
  }

  /** caller name / parameter index -> functions passed there (for calls through a parameter). */
  private argumentFlows(files: Iterable<FileFacts>): Map<string, Set<number>> {
    const out = new Map<string, Set<number>>();
    for (const f of files) {
      for (const a of f.addressTaken) {
        if (a.ctx !== 'arg' || a.param || !a.callee || a.argPos === undefined) continue;
        const fns = this.valueFunctions(a, f.path);
        if (!fns.length) continue;
        const key = `${a.callee}/${a.argPos}`;
        let set = out.get(key);
        if (!set) out.set(key, (set = new Set()));
        for (const fn of fns) set.add(fn);
      }
      // A dispatch macro that is also an inline function (NF_HOOK) calls its okfn parameter:
      // what callers name there flows into that parameter like any argument.
      for (const m of f.macroCalls) {
        m.args.forEach((arg, pos) => {
          const name = functionArgument(arg);
          if (!name) return;
          const fns = this.resolveName(name, f.path);
          if (!fns.length) return;
          const key = `${m.macro}/${pos}`;
          let set = out.get(key);
          if (!set) out.set(key, (set = new Set()));
          for (const fn of fns) set.add(fn);
        });
      }
    }
    return out;
  }

  private naiveCount(field: string): number {
    return new Set((this.flows.get(field) ?? []).map((f) => f.fn)).size;
  }

  // ---- A graph restored from disk (graph-store.ts) ------------------------------------------
  // Separate from the resolution code above: what queries read is persisted; what typeOf reads
  // (locals, signatures, struct field types) comes from the index, on the first typeOf call.
  private pendingTypes: (() => GraphTypes) | undefined;

  /** A graph from its persisted parts, with the same public API as a built one. */
  static restore(parts: GraphParts, types: () => GraphTypes): CallGraph {
    return drain(CallGraph.restoreSteps(parts, types));
  }

  /** restore() as steps that pause in its loops over all nodes and edges (slices.ts). */
  static *restoreSteps(parts: GraphParts, types: () => GraphTypes): Steps<CallGraph> {
    const g = new CallGraph();
    Object.assign(g, { nodes: parts.nodes, flows: parts.flows, external: parts.external, edgeArgs: parts.edgeArgs, stats: parts.stats, fields: parts.fields });
    g.pendingTypes = types;
    if (parts.edges instanceof EdgeTable) {
      yield* g.setEdges(parts.edges);
    } else {
      const list = parts.edges;
      g._edges = list;
      g._out = Rows.of(g.nodes.length, list.length, (e) => list[e].from).lists();
      g._in = Rows.of(g.nodes.length, list.length, (e) => list[e].to).lists();
    }
    for (const n of g.nodes) {
      const list = g.byName.get(n.name);
      if (list) list.push(n.id);
      else g.byName.set(n.name, [n.id]);
      if (due(n.id)) yield;
    }
    return g;
  }

  /**
   * What the graph file holds (graph-store.ts): the edges as their columns, or as the objects
   * when something made them (and may have set a property on one).
   */
  parts(): GraphParts {
    return { nodes: this.nodes, edges: this._edges ?? this.table!, flows: this.flows, external: this.external, edgeArgs: this.edgeArgs, stats: this.stats, fields: this.fields };
  }

  /** The edges as columns, with the adjacency rows by caller and by callee (as steps: slices.ts). */
  private *setEdges(t: EdgeTable): Steps<void> {
    this.table = t;
    this._edges = this._out = this._in = undefined;
    this.outRows = yield* Rows.steps(this.nodes.length, t.length, (e) => t.from(e));
    this.inRows = yield* Rows.steps(this.nodes.length, t.length, (e) => t.to(e));
  }

  private loadTypes(): void {
    const t = this.pendingTypes!();
    this.pendingTypes = undefined;
    this.varsAt = (id) => t.varsOf(id);
    this.returnAt = (id) => t.returnStructOf(id);
    this.lastVars = { id: -1, vars: undefined };
    this.fields = t.fields;
  }
}

/** What a persisted graph holds. */
export interface GraphParts {
  nodes: FnNode[];
  /** Objects from a build; the file's columns from a load. */
  edges: Edge[] | EdgeTable;
  flows: Map<string, Flow[]>;
  external: Map<number, ExternalCaller[]>;
  edgeArgs: Map<number, Array<[number, number]>>;
  stats: ResolutionStats;
  /** Struct field types (and globals, macro returns) for typeOf: persisted, since reading every file's structs again takes most of a second. */
  fields: FieldTypes;
}

/** What typeOf reads, per node id (locals as compactVars, return structs as returnOf) and per struct (fields). */
/**
 * What typeOf reads: per node id its locals (vars) and the struct its signature returns, per
 * struct its fields. A restored graph answers the per-node parts lazily, from the files of the
 * functions typeOf is asked about, instead of decoding every file's functions first.
 */
export interface GraphTypes { varsOf(id: number): CompactVars; returnStructOf(id: number): string | undefined; fields: FieldTypes }

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The files in order, each one's decoded `keys` dropped once the reader moves past it: a pass
 * that reads a list once need not hold it for the whole tree (codec.ts forgetDecoded).
 */
export function* releasing(files: Iterable<FileFacts>, keys: DecodedKey[]): Generator<FileFacts> {
  for (const f of files) {
    const mine = notDecoded(f, keys);
    yield f;
    forgetDecoded(f, mine);
  }
}

/**
 * A function's locals (name -> struct type) as one string, `name=type` items joined by ITEM,
 * shared through `intern` (many functions hold the same: `skb=sk_buff`): an object per function
 * was most of the whole tree's per-function memory. Kept as the object when a name or type holds
 * a separator (never in C identifiers; then nothing is lost).
 */
export type CompactVars = string | Record<string, string> | undefined;
const ITEM = '\u00a7';

export function compactVars(vars: Record<string, string> | undefined, intern: (s: string) => string): CompactVars {
  if (!vars) return undefined;
  let out = '';
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v !== 'string' || k.includes('=') || k.includes(ITEM) || v.includes('=') || v.includes(ITEM)) return Object.fromEntries(Object.entries(vars).map(([x, y]) => [x, typeof y === 'string' ? intern(y) : y]));
    out += out ? `${ITEM}${k}=${v}` : `${k}=${v}`;
  }
  return intern(out);
}

/** compactVars undone: an object like the one it was made from (same own entries, plain prototype). */
export function expandVars(v: CompactVars): Record<string, string> | undefined {
  if (typeof v !== 'string') return v;
  if (!v) return {};
  return Object.fromEntries(v.split(ITEM).map((kv) => kv.split('=')));
}

/** The struct a function's signature returns a pointer to (returnStruct), shared through `intern`. */
export function returnOf(signature: string, name: string, intern: (s: string) => string): string | undefined {
  // returnStruct matches `struct x *` or `union x *`: without either word there is nothing to find.
  if (!signature.includes('struct') && !signature.includes('union')) return undefined;
  const t = returnStruct(signature, name);
  return t === undefined ? undefined : intern(t);
}

/** Lists of the facts the build reads. */
const BUILD_LISTS: DecodedKey[] = ['functions', 'structs', 'defs', 'calls', 'addressTaken', 'copies', 'macroCalls'];
/** What the passes after the functions and field types read (flows, edges, external callers). */
const PASS_LISTS: DecodedKey[] = ['calls', 'addressTaken', 'copies', 'macroCalls'];

const PACKETS = baseKnowledge().pathRanking;
const PACKET_PARAMS = new Set(PACKETS.packetParams);
const PACKET_LOCALS = new Set(PACKETS.packetLocals);

/**
 * Does a function take packets (an sk_buff, an sk_buff_head, or a list_head of them: the list
 * receive path) or hold one in a local? The path ranking prefers chains that carry the packet.
 * The struct types are `pathRanking` in kernel-knowledge.json.
 */
export function packetFlags(params: string[] | undefined, vars: Record<string, string> | undefined): number {
  if (!vars) return 0;
  let flags = 0;
  const isParam = new Set(params ?? []);
  for (const [name, struct] of Object.entries(vars)) {
    if (isParam.has(name)) {
      if (PACKET_PARAMS.has(struct)) flags |= PKT_PARAM;
    } else if (PACKET_LOCALS.has(struct)) flags |= PKT_LOCAL;
  }
  return flags;
}

/** `READ_ONCE(skb_dst(skb)->input)` -> `skb_dst(skb)->input`: wrappers that only load a value. */
function unwrapValue(text: string, wrappers: Set<string>): string {
  let t = text.trim();
  for (let d = 0; d < 4; d++) {
    const m = /^([A-Za-z_]\w*)\s*\((.*)\)$/s.exec(t);
    if (!m || !wrappers.has(m[1])) break;
    t = m[2].trim();
  }
  return t;
}

function resolutionStats(sites: Array<{ resolved: number; naive: number }>): ResolutionStats {
  const resolved = sites.filter((s) => s.resolved > 0).map((s) => s.resolved);
  const naive = sites.filter((s) => s.naive > 0).map((s) => s.naive);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const median = (xs: number[]) => {
    if (!xs.length) return 0;
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    indirectSites: sites.length,
    resolvedSites: resolved.length,
    resolvedFraction: sites.length ? resolved.length / sites.length : 0,
    meanCandidates: mean(resolved),
    medianCandidates: median(resolved),
    naive: { resolvedSites: naive.length, meanCandidates: mean(naive), medianCandidates: median(naive) },
  };
}
