// The receive-path query behind the "Receive path" view, its map and `netpath path --format`:
// which chains to search (the default end points follow the start, see SOCKET_DELIVERY), and
// the answer as the protocol's ReceivePathResult, with each function's definition and drop
// sites. Free of LSP so the CLI draws the same picture as the editor.
import { type ReceivePathFunction, type ReceivePathHop, type ReceivePathLeg, type ReceivePathResult, type ReceivePathStart } from '../../../../shared/protocol';
import { SOCKET_DELIVERY } from '../../../../shared/receive-path-ends';
import type { CallGraph } from '../callgraph/graph';
import type { PathOptions } from '../callgraph/paths';
import type { Hop } from '../callgraph/types';
import type { DropEngine } from '../drops/engine';

export interface RankedChain { hops: Hop[]; cost: number }

export interface PathQuery {
  from: string;
  /** Empty: the defaults, chosen by where `from` sits. */
  to: string[];
  max: number;
  opts: PathOptions;
  /** The NAPI poll field (kernel-knowledge.json `napiPoll`). */
  napi: { struct: string; field: string };
  /** Called between searches; throws to cancel. */
  check?: () => void;
}

export interface PathAnswer {
  /** The end points searched. */
  to: string[];
  start?: ReceivePathStart;
  out: RankedChain[];
  inbound?: RankedChain[];
}

/** Node ids of the NAPI poll handlers: the functions flowing into `napi_struct.poll`. */
export function napiPollIds(graph: CallGraph, napi: { struct: string; field: string }): number[] {
  return [...new Set((graph.flows.get(napi.field) ?? []).filter((f) => f.struct === napi.struct).map((f) => f.fn))];
}

export function queryReceivePaths(graph: CallGraph, q: PathQuery): PathAnswer {
  const check = q.check ?? (() => undefined);
  if (q.to.length) {
    return {
      to: q.to,
      out: best(q.to.map((end) => {
        check();
        return graph.rankedPaths(q.from, end, q.max, q.opts);
      }), q.max),
    };
  }
  const polls = napiPollIds(graph, q.napi);
  const fromIds = new Set(graph.idsOf(q.from));
  const start: ReceivePathStart = polls.some((id) => fromIds.has(id)) ? 'napi-poll' : SOCKET_DELIVERY.some((e) => e.name === q.from) ? 'socket-delivery' : 'other';
  const out = start === 'socket-delivery' ? [] : deliveryChains(graph, q.from, q.max, q.opts, check);
  let inbound: RankedChain[] | undefined;
  if (start !== 'napi-poll') {
    check();
    // Only the hop filters apply here: `via` names functions after the start.
    const sources = polls.filter((id) => !fromIds.has(id));
    inbound = sources.length && fromIds.size ? graph.rankedPaths(sources, q.from, q.max, { ...q.opts, via: [] }) : [];
  }
  return { to: start === 'socket-delivery' ? [] : unique(SOCKET_DELIVERY.map((e) => e.name)), start, out, ...(inbound ? { inbound } : {}) };
}

/**
 * Chains to each SOCKET_DELIVERY end point through its family's local delivery (without that
 * condition when the start is past it), all ranked together by cost. A `via` of the user's
 * replaces the condition: it already says where the chain goes.
 */
function deliveryChains(graph: CallGraph, from: string, max: number, opts: PathOptions, check: () => void): RankedChain[] {
  const lists: RankedChain[][] = [];
  for (const end of SOCKET_DELIVERY) {
    let found: RankedChain[] = [];
    if (!opts.via?.length) {
      for (const through of end.through) {
        check();
        if (through !== from) found.push(...graph.rankedPaths(from, end.name, max, { ...opts, via: [through] }));
      }
    }
    if (!found.length) {
      check();
      found = graph.rankedPaths(from, end.name, max, opts);
    }
    lists.push(found);
  }
  return best(lists, max);
}

/** The `max` cheapest chains of all lists; a tie keeps the lists' order; a chain found twice counts once. */
function best(lists: RankedChain[][], max: number): RankedChain[] {
  const seen = new Set<string>();
  return lists.flat().map((p, i) => ({ p, i })).sort((a, b) => a.p.cost - b.p.cost || a.i - b.i).map((x) => x.p)
    .filter((p) => {
      const key = p.hops.map((h) => `${h.caller}>${h.callee}@${h.file}:${h.line}`).join(',');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, max);
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

/** How results name files: tree-relative path to the URI under the folder the editor opened (the CLI's file://). */
export type ToUri = (rel: string) => string;

/** A leg of the answer in protocol form: each hop with its call site's column and URI, each function with its drop sites. */
export async function legOf(graph: CallGraph, engine: DropEngine | undefined, chains: RankedChain[], toUri: ToUri): Promise<ReceivePathLeg> {
  const leg: ReceivePathLeg = { paths: [], costs: [], functions: [] };
  const dropsOf = new Map<number, Promise<{ drops: number; reasons: string[] }>>();
  for (const c of chains) {
    const { hops, nodes } = resolve(graph, c.hops, toUri);
    const fns: ReceivePathFunction[] = [];
    for (const id of nodes) {
      const n = graph.nodes[id];
      if (!dropsOf.has(id)) dropsOf.set(id, sitesOf(engine, n.file, n.name));
      fns.push({ name: n.name, file: n.file, line: n.line, uri: toUri(n.file), ...(await dropsOf.get(id)!) });
    }
    leg.paths.push(hops);
    leg.costs.push(c.cost);
    leg.functions.push(fns);
  }
  return leg;
}

async function sitesOf(engine: DropEngine | undefined, file: string, fn: string): Promise<{ drops: number; reasons: string[] }> {
  if (!engine) return { drops: 0, reasons: [] };
  const sites = (await engine.fileSites(file)).filter((s) => s.function === fn);
  return { drops: sites.length, reasons: unique(sites.flatMap((s) => (s.reason ? [s.reason] : []))).sort() };
}

/**
 * The graph's node of every function on a chain (start first), found by following each hop's
 * edge (callee name, call-site file, line and kind) from the previous callee, and each hop with
 * its call site's column (the graph's Hop has only the line).
 */
function resolve(graph: CallGraph, chain: Hop[], toUri: ToUri): { hops: ReceivePathHop[]; nodes: number[] } {
  const nodes: number[] = [];
  const hops: ReceivePathHop[] = [];
  let callers = chain.length ? graph.idsOf(chain[0].caller) : [];
  for (const h of chain) {
    let found: { from: number; to: number; col: number } | undefined;
    for (const id of callers) {
      for (const x of graph.outOf(id)) {
        const e = graph.edgeAt(x);
        if (graph.nodes[e.to].name === h.callee && e.file === h.file && e.line === h.line && e.kind === h.kind) {
          found = { from: id, to: e.to, col: e.col };
          break;
        }
      }
      if (found) break;
    }
    if (!found) throw new Error(`internal: the hop ${h.caller} -> ${h.callee} at ${h.file}:${h.line} is not an edge of the graph`);
    if (!nodes.length) nodes.push(found.from);
    nodes.push(found.to);
    hops.push({ ...h, col: found.col, uri: toUri(h.file) });
    callers = [found.to];
  }
  return { hops, nodes };
}

/** The whole answer in protocol form. */
export async function receivePathResult(graph: CallGraph, engine: DropEngine | undefined, q: PathQuery, where: { root: string; rootUri: string; toUri: ToUri }): Promise<ReceivePathResult> {
  const a = queryReceivePaths(graph, q);
  const out = await legOf(graph, engine, a.out, where.toUri);
  const o = q.opts;
  return {
    from: q.from, to: a.to, ...(a.start ? { start: a.start } : {}), root: where.root, rootUri: where.rootUri, ...out,
    ...(a.inbound ? { inbound: await legOf(graph, engine, a.inbound, where.toUri) } : {}),
    ...(o.via?.length ? { via: o.via } : {}), ...(o.avoid?.length ? { avoid: o.avoid } : {}), ...(o.maxCandidates ? { maxCandidates: o.maxCandidates } : {}),
  };
}
