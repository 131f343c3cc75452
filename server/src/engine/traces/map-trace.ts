// A parsed stack trace laid onto the call graph: each frame linked to its definition, each
// caller/callee pair of frames to the call that joins them, with the calls the compiler inlined
// or tail-called in between filled in from the graph. Pure: no I/O.
import type { CallGraph } from '../callgraph/graph';
import type { Hop } from '../callgraph/types';
import { familyOf, type FamilyName } from '../callgraph/paths';
import type { DropSite } from '../drops/types';
import type { Frame } from './parse-trace';

/** Inlined and tail-called functions leave at most this many hops out between two printed frames. */
export const MAX_INFERRED_HOPS = 4;
/** Definitions listed per frame when a name is defined in several files and no call narrows it. */
const MAX_DEFS = 8;

export interface Definition { file: string; line: number }

export interface MappedFrame extends Frame {
  /** Position in `MappedStack.frames` (outermost first). */
  index: number;
  /** Where the function is defined in the indexed tree; empty when it is not in the index. */
  defs: Definition[];
  known: boolean;
}

/** A hop of a link; `inferred` hops are calls the trace does not print (inlined or tail calls). */
export interface TraceHop extends Hop { inferred: boolean }

/**
 * How the caller frame reaches the callee frame: `direct` one call; `inferred` through calls the
 * trace left out; `unresolved` not within MAX_INFERRED_HOPS in the graph; `interrupt` an interrupt
 * or exception entered there (no call); `unknown` one of them is not in the index.
 */
export type LinkStatus = 'direct' | 'inferred' | 'unresolved' | 'interrupt' | 'unknown';

export interface FrameLink {
  /** Indexes into `frames`: the outer frame and the next reliable inner one (`?` frames are stepped over). */
  caller: number;
  callee: number;
  status: LinkStatus;
  hops: TraceHop[];
}

export interface MappedStack {
  /** Outermost first: the order calls happen in. */
  frames: MappedFrame[];
  links: FrameLink[];
  /** Names of reliable frames that are not in the index, in stack order. */
  unknown: string[];
  /** Frames found in the index. */
  mapped: number;
}

/** The graph's best call chains from `from` to `to`. The one place this module asks for chains:
 *  paths() is being changed to rank chains by likelihood, and may grow options. */
export function bestChains(graph: CallGraph, from: string, to: string, k: number, family?: FamilyName): Hop[][] {
  return graph.paths(from, to, k, family ? { family } : {});
}

export interface MapOptions {
  /**
   * Let the graph's ranking (bestChains) pick between inferred chains; otherwise the shortest,
   * least ambiguous one found here. The graph's search costs a few hundred milliseconds a pair on
   * the net scope, which a benchmark over many traces measuring reachability does not need.
   */
  rankChains?: boolean;
}

export function mapStack(graph: CallGraph, stack: Frame[], options: MapOptions = {}): MappedStack {
  const frames: MappedFrame[] = [];
  const ids: number[][] = [];
  [...stack].reverse().forEach((f, index) => {
    let fnIds = graph.idsOf(f.fn);
    // A symbolized trace names the file: it picks one of several static functions of that name.
    if (f.file && fnIds.length > 1) {
      const inFile = fnIds.filter((id) => sameFile(graph.nodes[id].file, f.file!));
      if (inFile.length) fnIds = inFile;
    }
    ids.push(fnIds);
    frames.push({ ...f, index, defs: [], known: fnIds.length > 0 });
  });
  const chosen: Array<Set<number>> = frames.map(() => new Set());
  const links: FrameLink[] = [];
  const reliable = frames.filter((f) => !f.unreliable).map((f) => f.index);
  let family: FamilyName | undefined;
  for (let r = 0; r + 1 < reliable.length; r++) {
    const a = reliable[r];
    const b = reliable[r + 1];
    const link: FrameLink = { caller: a, callee: b, status: 'unresolved', hops: [] };
    links.push(link);
    if (frames.slice(a, b).some((f) => f.interrupted)) {
      link.status = 'interrupt';
      continue;
    }
    if (!ids[a].length || !ids[b].length) {
      link.status = 'unknown';
      continue;
    }
    // The family the outer frames entered (net/ipv4, net/ipv6, net/bridge) ranks the hooks and
    // handlers a neutral frame like nf_hook_slow calls: an IPv4 trace's conntrack hook is IPv4's.
    for (const id of ids[a]) {
      const f = familyOf(graph.nodes[id].file);
      if (f) family = (['', 'IPv4', 'IPv6', 'bridge'] as const)[f] as FamilyName;
    }
    const chain = linkChain(graph, ids[a], ids[b], frames[a], options.rankChains ?? true, family);
    if (!chain) continue;
    link.status = chain.length === 1 ? 'direct' : 'inferred';
    link.hops = chain.map((e) => ({ ...graph.hop(graph.edgeAt(e)), inferred: chain.length > 1 }));
    chosen[a].add(graph.edgeFrom(chain[0]));
    chosen[b].add(graph.edgeTo(chain[chain.length - 1]));
  }
  for (const f of frames) {
    const pick = chosen[f.index].size ? [...chosen[f.index]] : ids[f.index];
    f.defs = pick.slice(0, MAX_DEFS).map((id) => ({ file: graph.nodes[id].file, line: graph.nodes[id].line }));
  }
  const unknown = [...new Set(frames.filter((f) => !f.known && !f.unreliable).map((f) => f.fn))];
  return { frames, links, unknown, mapped: frames.filter((f) => f.known).length };
}

/** Functions along a mapped stack, outermost first: reliable known frames and the hops inferred between them. */
export function functionsAlong(stack: MappedStack): Array<{ fn: string; files: string[] }> {
  const out: Array<{ fn: string; files: string[] }> = [];
  const seen = new Set<string>();
  const add = (fn: string, files: string[]) => {
    const key = `${fn}|${files.join(',')}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ fn, files });
    }
  };
  const linkFrom = new Map(stack.links.map((l) => [l.caller, l]));
  for (const f of stack.frames) {
    if (f.unreliable || !f.known) continue;
    add(f.fn, f.defs.map((d) => d.file));
    const hops = linkFrom.get(f.index)?.hops ?? [];
    for (const h of hops.slice(0, -1)) if (h.inferred) add(h.callee, []);
  }
  return out;
}

/** Drop sites of the functions along the stack, in chain order (DropEngine.sites as `lookup`). */
export async function dropSitesAlong(stack: MappedStack, lookup: (fn: string) => DropSite[] | Promise<DropSite[]>): Promise<DropSite[]> {
  const out: DropSite[] = [];
  for (const { fn, files } of functionsAlong(stack)) {
    const sites = await lookup(fn);
    out.push(...(files.length ? sites.filter((s) => files.includes(s.file)) : sites));
  }
  return out;
}

/**
 * Edge ids joining a caller to a callee: the call itself when there is one (the one on the line
 * the trace prints, if it does), else the best chain of at most MAX_INFERRED_HOPS calls.
 */
function linkChain(graph: CallGraph, from: number[], to: number[], caller: Frame, rankChains: boolean, family?: FamilyName): number[] | undefined {
  const targets = new Set(to);
  const direct = from.flatMap((id) => Array.from(graph.outOf(id))).filter((e) => targets.has(graph.edgeTo(e)));
  if (direct.length) {
    const onLine = caller.line !== undefined ? direct.find((e) => graph.edgeLine(e) === caller.line) : undefined;
    return [onLine ?? direct.reduce((best, e) => (rank(graph, e) < rank(graph, best) ? e : best))];
  }
  const mine = boundedChain(graph, from, targets, MAX_INFERRED_HOPS);
  if (!mine || !rankChains) return mine;
  // The graph's own ranking decides between chains when it offers one short enough.
  const fromName = graph.nodes[from[0]].name;
  const toName = graph.nodes[to[0]].name;
  for (const hops of bestChains(graph, fromName, toName, 1, family)) {
    if (hops.length > MAX_INFERRED_HOPS || hops.length < 2) continue;
    const edges = edgesOf(graph, hops, new Set(from), targets);
    if (edges) return edges;
  }
  return mine;
}

/** Direct calls before indirect ones, then fewer candidates, then the earlier line. */
function rank(graph: CallGraph, e: number): number {
  const x = graph.edgeAt(e);
  return (x.kind === 'direct' ? 0 : 1e9) + (x.candidates ?? 0) * 1e5 + x.line;
}

/** Hops of a chain back to edge ids, when the chain starts and ends on the frames' functions. */
function edgesOf(graph: CallGraph, hops: Hop[], from: Set<number>, to: Set<number>): number[] | undefined {
  const out: number[] = [];
  let at = [...from];
  for (let i = 0; i < hops.length; i++) {
    const h = hops[i];
    const e = at.flatMap((id) => Array.from(graph.outOf(id))).find((x) => {
      const edge = graph.edgeAt(x);
      return graph.nodes[edge.to].name === h.callee && edge.file === h.file && edge.line === h.line && (i < hops.length - 1 || to.has(edge.to));
    });
    if (e === undefined) return undefined;
    out.push(e);
    at = [graph.edgeTo(e)];
  }
  return out;
}

/**
 * Shortest chain (edge ids) from any of `from` to any of `to` within `maxHops`, breadth first;
 * among chains of the same length, the one whose hops are most often direct and least ambiguous.
 */
export function boundedChain(graph: CallGraph, from: number[], to: Set<number>, maxHops: number): number[] | undefined {
  const cost = new Map<number, number>();
  const via = new Map<number, number>();
  let level = [...new Set(from)];
  for (const s of level) cost.set(s, 0);
  for (let depth = 1; depth <= maxHops && level.length; depth++) {
    const next = new Map<number, { cost: number; edge: number }>();
    for (const n of level) {
      const base = cost.get(n)!;
      for (const e of graph.outOf(n)) {
        const t = graph.edgeTo(e);
        if (cost.has(t) && !next.has(t)) continue;
        const c = base + hopCost(graph, e);
        const cur = next.get(t);
        if (!cur || c < cur.cost) next.set(t, { cost: c, edge: e });
      }
    }
    let best: { node: number; cost: number } | undefined;
    for (const [t, { cost: c, edge }] of next) {
      cost.set(t, c);
      via.set(t, edge);
      if (to.has(t) && (!best || c < best.cost)) best = { node: t, cost: c };
    }
    if (best) {
      const chain: number[] = [];
      for (let n = best.node, d = depth; d > 0; d--) {
        const e = via.get(n)!;
        chain.push(e);
        n = graph.edgeFrom(e);
      }
      return chain.reverse();
    }
    level = [...next.keys()];
  }
  return undefined;
}

/** Whether `from` reaches `to` within `maxHops` calls. */
export function reaches(graph: CallGraph, from: number[], to: number[], maxHops: number): boolean {
  return boundedChain(graph, from, new Set(to), maxHops) !== undefined;
}

function hopCost(graph: CallGraph, e: number): number {
  const x = graph.edgeAt(e);
  return x.kind === 'direct' || x.candidates === undefined ? 1 : 1 + Math.log2(1 + x.candidates);
}

/** `net/ipv4/ip_input.c` against a trace's path, which may be absolute or carry a build prefix. */
function sameFile(indexed: string, traced: string): boolean {
  return indexed === traced || traced.endsWith(`/${indexed}`);
}
