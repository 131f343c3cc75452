// The receive call graph: direct calls plus indirect calls resolved to the functions that
// flow into the field, variable or macro they go through. Pure: built from FileFacts.
import type { FileFacts } from '../types';
import type { Knowledge } from '../knowledge';
import type { Edge, EdgeKind, FnNode, Hop, ResolutionStats } from './types';
import { fieldTypes, returnStruct, typeOfExpr, type FieldTypes } from './types-of';
import { summariseRegistrations } from './registrations';
import { kShortestPaths } from './paths';

/** A function flowing into a field, and how: `.f = fn`, `x->f = fn`, or through a registration helper. */
export interface Flow { fn: number; struct?: string; via: 'init' | 'assign' | 'registered' }

export class CallGraph {
  readonly nodes: FnNode[] = [];
  readonly edges: Edge[] = [];
  readonly byName = new Map<string, number[]>();
  readonly flows = new Map<string, Flow[]>();
  readonly out: number[][] = [];
  readonly in: number[][] = [];
  stats!: ResolutionStats;
  private fields!: FieldTypes;
  private readonly fileIds = new Map<string, number[]>();
  private readonly vars: Array<Record<string, string> | undefined> = [];
  private readonly signatures: string[] = [];

  static build(files: Map<string, FileFacts>, knowledge: Knowledge): CallGraph {
    const g = new CallGraph();
    const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    for (const f of sorted) {
      const ids: number[] = [];
      f.functions.forEach((fn, index) => {
        const id = g.nodes.length;
        g.nodes.push({ id, name: fn.name, file: f.path, line: fn.line, index, isStatic: (fn.flags & 1) === 1, ...(fn.params ? { params: fn.params } : {}) });
        g.vars.push(fn.vars);
        g.signatures.push(fn.signature);
        ids.push(id);
        const list = g.byName.get(fn.name);
        if (list) list.push(id);
        else g.byName.set(fn.name, [id]);
      });
      g.fileIds.set(f.path, ids);
    }
    g.fields = fieldTypes(sorted);
    g.collectFlows(sorted);
    g.collectEdges(sorted, knowledge);
    for (let i = 0; i < g.nodes.length; i++) {
      g.out.push([]);
      g.in.push([]);
    }
    g.edges.forEach((e, i) => {
      g.out[e.from].push(i);
      g.in[e.to].push(i);
    });
    return g;
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
    return typeOfExpr(expr, fn >= 0 ? this.vars[fn] : undefined, this.fields, (callee) => this.returnType(callee));
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

  /** Up to `k` shortest call chains from any function named `from` to any named `to`. */
  paths(from: string, to: string, k: number): Hop[][] {
    const src = this.idsOf(from);
    const dst = new Set(this.idsOf(to));
    if (!src.length || !dst.size) return [];
    return kShortestPaths(this, src, dst, k).map((p) => p.map((e) => this.hop(this.edges[e])));
  }

  private returnType(callee: string): string | undefined {
    for (const id of this.idsOf(callee)) {
      const t = returnStruct(this.signatures[id], callee);
      if (t) return t;
    }
    return undefined;
  }

  private addFlow(field: string, flow: Flow) {
    const list = this.flows.get(field);
    if (list) list.push(flow);
    else this.flows.set(field, [flow]);
  }

  private collectFlows(files: FileFacts[]) {
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
      for (const a of f.addressTaken) {
        if (a.param || !a.field || (a.ctx !== 'init' && a.ctx !== 'assign')) continue;
        const struct = a.ctx === 'init' ? a.struct : a.target !== undefined ? this.typeOf(a.target, a.fn >= 0 ? ids[a.fn] : -1) : undefined;
        for (const fn of this.resolveName(a.name, f.path)) this.addFlow(a.field, { fn, via: a.ctx, ...(struct ? { struct } : {}) });
      }
    }
    for (const r of summariseRegistrations(this, files, this.fileIds)) this.addFlow(r.field, { fn: r.fn, via: 'registered', ...(r.struct ? { struct: r.struct } : {}) });
  }

  private collectEdges(files: FileFacts[], knowledge: Knowledge) {
    const seen = new Set<string>();
    const sites: Array<{ resolved: number; naive: number }> = [];
    const add = (from: number, to: number, file: string, line: number, col: number, kind: EdgeKind, candidates?: number) => {
      const key = `${from}:${to}:${line}:${col}:${kind}`;
      if (seen.has(key)) return;
      seen.add(key);
      this.edges.push({ from, to, file, line, col, kind, ...(candidates !== undefined ? { candidates } : {}) });
    };
    const argFlows = this.argumentFlows(files);
    for (const f of files) {
      const ids = this.fileIds.get(f.path)!;
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
          if (c.loadedField) {
            const recv = (c.loadedFrom ?? '').replace(/\s*(->|\.)\s*[A-Za-z_]\w*$/, '');
            targets = this.resolveField(c.loadedField, this.typeOf(recv, from), c.args).map((x) => x.fn);
            naive = this.naiveCount(c.loadedField);
          } else {
            const k = this.nodes[from].params?.indexOf(c.name) ?? -1;
            if (k >= 0) targets = [...(argFlows.get(`${this.nodes[from].name}/${k}`) ?? [])];
            naive = targets.length;
          }
          sites.push({ resolved: targets.length, naive });
          for (const to of targets) add(from, to, f.path, c.line, c.col, 'variable', targets.length);
        }
      }
      for (const m of f.macroCalls) {
        const from = ids[m.fn];
        const spec = knowledge.macroDispatch[m.macro];
        if (from === undefined || !spec) continue;
        const named = spec.candidates.flatMap((p) => (m.args[p] ? this.resolveName(m.args[p].replace(/^&\s*/, ''), f.path) : []));
        let fallback: Flow[] = [];
        let naive = named.length;
        if (spec.callee !== undefined && m.args[spec.callee]) {
          const fm = /^(.*?)\s*(->|\.)\s*([A-Za-z_]\w*)$/s.exec(m.args[spec.callee]);
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
    this.stats = resolutionStats(sites);
  }

  /** caller name / parameter index -> functions passed there (for calls through a parameter). */
  private argumentFlows(files: FileFacts[]): Map<string, Set<number>> {
    const out = new Map<string, Set<number>>();
    for (const f of files) {
      for (const a of f.addressTaken) {
        if (a.ctx !== 'arg' || a.param || !a.callee || a.argPos === undefined) continue;
        const fns = this.resolveName(a.name, f.path);
        if (!fns.length) continue;
        const key = `${a.callee}/${a.argPos}`;
        let set = out.get(key);
        if (!set) out.set(key, (set = new Set()));
        for (const fn of fns) set.add(fn);
      }
    }
    return out;
  }

  private naiveCount(field: string): number {
    return new Set((this.flows.get(field) ?? []).map((f) => f.fn)).size;
  }
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
