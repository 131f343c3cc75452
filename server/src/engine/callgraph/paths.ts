// Call chains ranked by how likely a packet takes them, not by hop count.
//
// Each hop costs 1 when the call is direct (or a candidate a dispatch macro names), and
// 1 + log2(n) when it goes through a field, variable or callback with n candidates, so a
// chain through a callback with 300 candidates is never "short". On top of that the search
// carries a small state along the chain, because what makes a hop plausible depends on
// the chain so far:
// - the packet: a chain carries a packet from the function where it appears (one that holds an
//   sk_buff without being handed one: the driver's rx routine that builds it, a backlog that
//   dequeues it). Before that, every hop costs more, so ixgbe_poll -> ixgbe_clean_rx_irq ->
//   ... -> napi_gro_receive beats the shortcut ixgbe_poll -> napi_complete_done ->
//   gro_normal_list, which flushes packets it was never shown receiving. Once carrying, a hop
//   into a function that is not handed the packet (or a list of them) costs a little more;
// - the family: once the chain has entered IPv4, IPv6 or bridge code, a candidate of a shared
//   field installed by another family (ip_local_deliver behind the `dst->input` that
//   ip6_rcv_finish calls) costs more when the same site also has a candidate of the chain's
//   family. Families switch only where no such candidate exists (tunnels, 6in4). Where a
//   family-neutral chain picks a family at a shared site (ptype handlers), IPv4 is ranked a
//   quarter hop ahead of IPv6, as the common case: a tie-break, not a ban;
// - the call context: a call through a callback parameter (NF_HOOK's okfn, kref_put's release)
//   follows what the previous call of the chain passed there.
//
// k best chains: Yen's algorithm over caller->callee pairs, each spur searched with A*
// guided by the exact cheapest base cost to a target (penalties only add, so it is a lower bound).
import type { CallGraph } from './graph';
import type { Edge } from './types';
import { baseKnowledge } from '../knowledge';

/** Node packet flags (FnNode.pkt): takes an skb (or a list of them) as a parameter; has an skb local. */
export const PKT_PARAM = 1;
export const PKT_LOCAL = 2;

const NO_PACKET_YET = 3;
const NOT_HANDED_ON = 1;
/** Nearly a ban: taken only when the graph has no other way (a real tunnel path would be cheaper). */
const FAMILY_SWITCH = 20;
const IPV6_TIE_BREAK = 0.25;
/** AF_XDP zero-copy, busy polling, netpoll (`specialPaths` in kernel-knowledge.json): after the common path on a tie. */
const SPECIAL_TIE_BREAK = 0.25;
/**
 * A* expansions per search. A first search finds its chain within a few thousand; a Yen spur
 * whose bans cut every way to the target would otherwise explore all it can reach (most of
 * the graph) before giving up: past the bound that spur offers no alternative.
 */
const MAX_EXPANSIONS = 5_000;

export interface PathOptions {
  /** Chains must pass through these functions, in order. */
  via?: string[];
  /** Chains must not pass through these functions. */
  avoid?: string[];
  /** Leave out indirect hops with more candidates than this. */
  maxCandidates?: number;
  /**
   * The family the packet is already in when the chain starts in family-neutral code (a stack
   * trace's earlier frames were in net/ipv4: nf_hook_slow's hooks are then IPv4's).
   */
  family?: FamilyName;
}

export type FamilyName = 'IPv4' | 'IPv6' | 'bridge';

export interface RankedPath {
  edges: number[];
  cost: number;
  /** Cost of each hop, and why an indirect hop was taken when the ranking had a say. */
  costs: number[];
  why: Array<string | undefined>;
}

type Family = 0 | 1 | 2 | 3;
const FAMILY_NAMES = ['', 'IPv4', 'IPv6', 'bridge'];

/** Protocol family of the code in a file, by its folder (`pathRanking.familyFolders` in kernel-knowledge.json). */
export function familyOf(file: string): Family {
  for (let f = 1; f < FAMILY_NAMES.length; f++) {
    if (FAMILY_FOLDERS[FAMILY_NAMES[f] as FamilyName].some((dir) => file.startsWith(dir))) return f as Family;
  }
  return 0;
}

interface Pair {
  to: number;
  edge: number;
  base: number;
  /** Functions the calls of this pair pass, by argument position (CallGraph.edgeArgs). */
  args?: Map<number, Set<number>>;
}

export function baseCost(e: Pick<Edge, 'kind' | 'candidates'>): number {
  return costOf(e.kind, e.candidates);
}

function costOf(kind: Edge['kind'], candidates: number | undefined): number {
  if (kind === 'direct' || kind === 'macro' || !candidates || candidates <= 1) return 1;
  return 1 + Math.log2(candidates);
}

/**
 * Per caller, its cheapest edge to each callee (first call site on a tie), and the reverse,
 * computed for a node when a search first reaches it: a query touches a few thousand of the
 * graph's nodes, and building all of it cost more than the search (measured: 0.35 s of 0.4 s).
 */
class Adjacency {
  private readonly outs: Array<Pair[] | undefined>;
  private readonly ins: Array<Pair[] | undefined>;
  /** Protocol family of each node (familyOf), and 1 for functions of special-purpose paths. */
  readonly fam: Uint8Array;
  readonly special: Uint8Array;

  constructor(private readonly g: CallGraph) {
    this.outs = new Array(g.nodes.length);
    this.ins = new Array(g.nodes.length);
    this.fam = Uint8Array.from(g.nodes, (n) => familyOf(n.file));
    this.special = Uint8Array.from(g.nodes, (n) => (SPECIAL.test(n.name) ? 1 : 0));
  }

  out(n: number): Pair[] {
    let list = this.outs[n];
    if (list) return list;
    const g = this.g;
    const best = new Map<number, Pair>();
    for (const e of g.outOf(n)) {
      const to = g.edgeTo(e);
      const base = costOf(g.edgeKind(e), g.edgeCandidates(e));
      const cur = best.get(to);
      if (!cur || base < cur.base || (base === cur.base && g.edgeLine(e) < g.edgeLine(cur.edge))) best.set(to, { to, edge: e, base, ...(cur?.args ? { args: cur.args } : {}) });
      const passed = g.edgeArgs.get(e);
      if (passed) {
        const pair = best.get(to)!;
        pair.args ??= new Map();
        for (const [pos, fn] of passed) {
          let set = pair.args.get(pos);
          if (!set) pair.args.set(pos, (set = new Set()));
          set.add(fn);
        }
      }
    }
    this.outs[n] = list = [...best.values()];
    return list;
  }

  /** Callers of n, each with its cheapest edge to n (`to` is the caller here). */
  inn(n: number): Pair[] {
    let list = this.ins[n];
    if (list) return list;
    const g = this.g;
    const best = new Map<number, Pair>();
    for (const e of g.inOf(n)) {
      const from = g.edgeFrom(e);
      const base = costOf(g.edgeKind(e), g.edgeCandidates(e));
      const cur = best.get(from);
      if (!cur || base < cur.base) best.set(from, { to: from, edge: e, base });
    }
    this.ins[n] = list = [...best.values()];
    return list;
  }
}

const SPECIAL = baseKnowledge().specialPaths;
const FAMILY_FOLDERS = baseKnowledge().pathRanking.familyFolders;
const adjacencies = new WeakMap<CallGraph, Adjacency>();

function adjacency(g: CallGraph): Adjacency {
  let a = adjacencies.get(g);
  if (!a) adjacencies.set(g, (a = new Adjacency(g)));
  return a;
}

/** Cheapest base cost from every node to any target (Infinity where none is reachable). */
function distancesTo(g: CallGraph, targets: Set<number>, allowed: (p: Pair) => boolean): Float64Array {
  const adj = adjacency(g);
  const dist = new Float64Array(g.nodes.length).fill(Infinity);
  const heap = new Heap();
  for (const t of targets) {
    dist[t] = 0;
    heap.push(t, 0);
  }
  while (heap.size) {
    const [n, d] = heap.pop();
    if (d > dist[n]) continue;
    const enterN = minPenalty(g.nodes[n].pkt ?? 0);
    for (const p of adj.inn(n)) {
      if (!allowed(p)) continue;
      const nd = d + p.base + enterN;
      if (nd < dist[p.to]) {
        dist[p.to] = nd;
        heap.push(p.to, nd);
      }
    }
  }
  return dist;
}

interface State { carrying: boolean; family: Family }

const stateId = (s: State) => (s.carrying ? 4 : 0) | s.family;

/** Where a packet appears: the function holds an sk_buff it was not handed. */
const isOrigin = (pkt: number) => (pkt & PKT_LOCAL) !== 0 && (pkt & PKT_PARAM) === 0;

function enter(g: CallGraph, fam: Uint8Array, s: State, to: number): State {
  return { carrying: s.carrying || isOrigin(g.nodes[to].pkt ?? 0), family: (fam[to] || s.family) as Family };
}

/** The least any state pays to enter a node: a lower bound that keeps A* exact and fast. */
function minPenalty(pkt: number): number {
  return pkt & PKT_PARAM || isOrigin(pkt) ? 0 : Math.min(NO_PACKET_YET, NOT_HANDED_ON);
}

/**
 * Cost of a hop given the chain's state. Called for every hop the search weighs, so it makes no
 * objects and no strings; hopWhy says why, for the hops of a chain found.
 */
function hopCost(search: Search, fam: Uint8Array, s: State, p: Pair): number {
  const g = search.g;
  let cost = p.base;
  const pkt = g.nodes[p.to].pkt ?? 0;
  if (!s.carrying && !isOrigin(pkt)) cost += NO_PACKET_YET;
  else if (s.carrying && !(pkt & PKT_PARAM)) cost += NOT_HANDED_ON;
  if (adjacency(g).special[p.to]) cost += SPECIAL_TIE_BREAK;
  if (g.edgeKind(p.edge) === 'direct') return cost;
  const cf = fam[p.to];
  if (!s.family && cf === 2 && siteFamilies(search, p.edge, fam) & (1 << 1)) cost += IPV6_TIE_BREAK;
  if (s.family && cf && cf !== s.family && siteFamilies(search, p.edge, fam) & (1 << s.family)) cost += FAMILY_SWITCH;
  return cost;
}

/** Why an indirect hop's candidate was taken (its share of the site, and the family reasoning). */
function hopWhy(search: Search, fam: Uint8Array, s: State, p: Pair): string | undefined {
  const g = search.g;
  if (g.edgeKind(p.edge) === 'direct') return undefined;
  const candidates = g.edgeCandidates(p.edge);
  const cf = fam[p.to];
  let why: string | undefined;
  if (s.family && cf && cf !== s.family && siteFamilies(search, p.edge, fam) & (1 << s.family)) {
    why = `leaves ${FAMILY_NAMES[s.family]} for ${FAMILY_NAMES[cf]} code at a shared field: no other chain found`;
  } else if (s.family && cf === s.family && candidates && candidates > 1) {
    why = `installed by ${FAMILY_NAMES[cf]} code, as the chain is`;
  }
  if (candidates && candidates > 1) why = why ? `1 of ${candidates} candidates; ${why}` : `1 of ${candidates} candidates`;
  return why;
}

/** Families of the candidates at an edge's call site, as a bit set. */
function siteFamilies(search: Search, edge: number, fam: Uint8Array): number {
  let bits = search.siteFamilies.get(edge);
  if (bits === undefined) {
    const g = search.g;
    const line = g.edgeLine(edge);
    const col = g.edgeCol(edge);
    bits = 0;
    for (const x of g.outOf(g.edgeFrom(edge))) {
      if (g.edgeLine(x) === line && g.edgeCol(x) === col) bits |= 1 << fam[g.edgeTo(x)];
    }
    search.siteFamilies.set(edge, bits);
  }
  return bits;
}

interface Search {
  g: CallGraph;
  targets: Set<number>;
  h: Float64Array;
  allowed: (p: Pair) => boolean;
  /** Per state key (node * 8 + state): best cost so far, and the hop that reached it. Reused by every spur. */
  best: Float64Array;
  prevKey: Int32Array;
  prevPair: Int32Array;
  prevCost: Float64Array;
  touched: number[];
  /** Edge id -> bit set of the families offered at its call site (computed on first need). */
  siteFamilies: Map<number, number>;
}

const pairKey = (from: number, to: number) => from * 0x100000 + to;

/**
 * A call through a callback parameter follows what the chain's previous call passed there, when
 * it passed a function (NF_HOOK reached from ip_rcv calls ip_rcv_finish, not every okfn).
 */
function inContext(g: CallGraph, entry: Pair | undefined, p: Pair): boolean {
  const param = g.edgeParam(p.edge);
  if (param === undefined || !entry?.args) return true;
  const passed = entry.args.get(param);
  return !passed || passed.has(p.to);
}

/** A* from one start state; returns the edge ids and hop costs of the best chain to a target. */
function astar(search: Search, start: number, state: State, bannedNodes: Set<number>, bannedPairs: Set<number>, entry?: Pair): { edges: number[]; costs: number[]; why: Array<string | undefined> } | undefined {
  const { g, targets, h, allowed, best, prevKey, prevPair, prevCost, touched } = search;
  const adjacent = adjacency(g);
  const fam = adjacent.fam;
  for (const k of touched) {
    best[k] = Infinity;
    prevKey[k] = -1;
  }
  touched.length = 0;
  if (h[start] === Infinity) return undefined;
  const heap = new Heap();
  const k0 = start * 8 + stateId(state);
  best[k0] = 0;
  touched.push(k0);
  heap.push(k0, h[start]);
  let expansions = 0;
  while (heap.size && expansions++ < MAX_EXPANSIONS) {
    const [k, f] = heap.pop();
    const n = k >> 3;
    const gk = best[k];
    if (f > gk + h[n] + 1e-9) continue; // stale heap entry
    if (targets.has(n) && k !== k0) {
      const chain: number[] = [];
      for (let cur = k; prevKey[cur] >= 0; cur = prevKey[cur]) chain.push(cur);
      chain.reverse();
      // Reasons are worked out again along the chain found, rather than kept for every state.
      const edges: number[] = [];
      const costs: number[] = [];
      const why: Array<string | undefined> = [];
      for (const c of chain) {
        const p = adjacent.out(prevKey[c] >> 3)[prevPair[c]];
        const from = prevKey[c];
        edges.push(p.edge);
        costs.push(prevCost[c]);
        why.push(hopWhy(search, fam, { carrying: (from & 4) !== 0, family: (from & 3) as Family }, p));
      }
      return { edges, costs, why };
    }
    const s: State = { carrying: (k & 4) !== 0, family: (k & 3) as Family };
    const came = k === k0 ? entry : adjacent.out(prevKey[k] >> 3)[prevPair[k]];
    const adj = adjacent.out(n);
    for (let j = 0; j < adj.length; j++) {
      const p = adj[j];
      if (h[p.to] === Infinity || bannedNodes.has(p.to) || !allowed(p) || (bannedPairs.size && bannedPairs.has(pairKey(n, p.to))) || !inContext(g, came, p)) continue;
      const c = hopCost(search, fam, s, p);
      // enter(), without making a state object: carrying once a packet appears; the callee's family.
      const nk = p.to * 8 + ((s.carrying || isOrigin(g.nodes[p.to].pkt ?? 0) ? 4 : 0) | (fam[p.to] || s.family));
      const ng = gk + c;
      if (ng < best[nk]) {
        if (best[nk] === Infinity) touched.push(nk);
        best[nk] = ng;
        prevKey[nk] = k;
        prevPair[nk] = j;
        prevCost[nk] = c;
        heap.push(nk, ng + h[p.to]);
      }
    }
  }
  return undefined;
}

const searchBuffers = new WeakMap<CallGraph, Pick<Search, 'best' | 'prevKey' | 'prevPair' | 'prevCost' | 'touched'>>();

/** Per-state arrays, allocated once per graph (a fresh 1.2M-entry set per query was mostly GC). */
function buffers(g: CallGraph): Pick<Search, 'best' | 'prevKey' | 'prevPair' | 'prevCost' | 'touched'> {
  let b = searchBuffers.get(g);
  if (!b) {
    const size = g.nodes.length * 8;
    b = { best: new Float64Array(size).fill(Infinity), prevKey: new Int32Array(size).fill(-1), prevPair: new Int32Array(size), prevCost: new Float64Array(size), touched: [] };
    searchBuffers.set(g, b);
  }
  return b;
}

/** A chain asked for from the middle of the stack carries a packet when its start touches one. */
function initialState(g: CallGraph, fam: Uint8Array, n: number): State {
  return { carrying: (g.nodes[n].pkt ?? 0) !== 0, family: fam[n] as Family };
}

/** Up to k chains from any source to any target, cheapest first (Yen's algorithm). */
export function rankedPaths(g: CallGraph, sources: number[], targets: Set<number>, k: number, opts: { avoid?: Set<number>; maxCandidates?: number; family?: FamilyName } = {}): RankedPath[] {
  const { fam } = adjacency(g);
  const seed = (opts.family ? FAMILY_NAMES.indexOf(opts.family) : 0) as Family;
  const startState = (g2: CallGraph, f: Uint8Array, n: number): State => {
    const st = initialState(g2, f, n);
    return st.family ? st : { ...st, family: seed };
  };
  const avoid = opts.avoid ?? new Set<number>();
  const maxC = opts.maxCandidates;
  const allowed = (p: Pair) => maxC === undefined || g.edgeKind(p.edge) === 'direct' || (g.edgeCandidates(p.edge) ?? 1) <= maxC;
  const search: Search = { g, targets, h: distancesTo(g, targets, allowed), allowed, ...buffers(g), siteFamilies: new Map() };
  let first: RankedPath | undefined;
  for (const s of sources) {
    if (avoid.has(s)) continue;
    const r = astar(search, s, startState(g, fam, s), avoid, new Set());
    if (!r) continue;
    const cost = r.costs.reduce((a, b) => a + b, 0);
    if (!first || cost < first.cost) first = { ...r, cost };
  }
  if (!first) return [];
  const found: RankedPath[] = [first];
  const candidates: RankedPath[] = [];
  const keyOf = (p: number[]) => p.map((e) => `${g.edgeFrom(e)}>${g.edgeTo(e)}`).join(',');
  const known = new Set([keyOf(first.edges)]);
  while (found.length < k) {
    const last = found[found.length - 1];
    const origin = g.edgeFrom(last.edges[0]);
    for (let i = 0; i < last.edges.length; i++) {
      const root = last.edges.slice(0, i);
      const spur = i === 0 ? origin : g.edgeTo(last.edges[i - 1]);
      const rootKey = keyOf(root);
      const bannedPairs = new Set<number>();
      for (const p of found) {
        if (p.edges.length > i && g.edgeFrom(p.edges[0]) === origin && keyOf(p.edges.slice(0, i)) === rootKey) {
          bannedPairs.add(pairKey(g.edgeFrom(p.edges[i]), g.edgeTo(p.edges[i])));
        }
      }
      const bannedNodes = new Set([...avoid, origin, ...root.map((e) => g.edgeTo(e))]);
      bannedNodes.delete(spur);
      let state = startState(g, fam, origin);
      for (const e of root) state = enter(g, fam, state, g.edgeTo(e));
      const rootPair = i > 0 ? pairOf(g, root[i - 1]) : undefined;
      const tail = astar(search, spur, state, bannedNodes, bannedPairs, rootPair);
      if (!tail) continue;
      const edges = [...root, ...tail.edges];
      const key = keyOf(edges);
      if (known.has(key)) continue;
      known.add(key);
      const costs = [...last.costs.slice(0, i), ...tail.costs];
      candidates.push({ edges, costs, why: [...last.why.slice(0, i), ...tail.why], cost: costs.reduce((a, b) => a + b, 0) });
    }
    if (!candidates.length) break;
    candidates.sort((a, b) => a.cost - b.cost || a.edges.length - b.edges.length);
    found.push(candidates.shift()!);
  }
  return found;
}

/** The adjacency pair an edge id belongs to. */
function pairOf(g: CallGraph, edge: number): Pair | undefined {
  const to = g.edgeTo(edge);
  return adjacency(g).out(g.edgeFrom(edge)).find((p) => p.to === to);
}

/** Binary min-heap of (id, priority). */
class Heap {
  private ids: number[] = [];
  private pri: number[] = [];
  get size(): number {
    return this.ids.length;
  }
  push(id: number, p: number): void {
    const { ids, pri } = this;
    let i = ids.length;
    ids.push(id);
    pri.push(p);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (pri[parent] <= p) break;
      ids[i] = ids[parent];
      pri[i] = pri[parent];
      i = parent;
    }
    ids[i] = id;
    pri[i] = p;
  }
  pop(): [number, number] {
    const { ids, pri } = this;
    const top: [number, number] = [ids[0], pri[0]];
    const lastId = ids.pop()!;
    const lastP = pri.pop()!;
    if (ids.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= ids.length) break;
        const r = l + 1;
        const c = r < ids.length && pri[r] < pri[l] ? r : l;
        if (pri[c] >= lastP) break;
        ids[i] = ids[c];
        pri[i] = pri[c];
        i = c;
      }
      ids[i] = lastId;
      pri[i] = lastP;
    }
    return top;
  }
}
