// k shortest call chains (Yen's algorithm over breadth-first search). Chains are searched
// over caller->callee pairs, so two call sites of the same callee do not count as two chains;
// each hop then shows its first call site.
import type { CallGraph } from './graph';

interface Pair { to: number; edge: number }

function pairAdjacency(g: CallGraph): Pair[][] {
  return g.out.map((edgeIds) => {
    const best = new Map<number, number>();
    for (const e of edgeIds) {
      const to = g.edges[e].to;
      const cur = best.get(to);
      if (cur === undefined || g.edges[e].line < g.edges[cur].line) best.set(to, e);
    }
    return [...best].map(([to, edge]) => ({ to, edge }));
  });
}

/** Shortest chain (edge ids) from any source to any target, avoiding banned nodes and pairs. */
function bfs(adj: Pair[][], sources: number[], targets: Set<number>, bannedNodes: Set<number>, bannedPairs: Set<string>): number[] | undefined {
  const prevEdge = new Map<number, number>();
  const prevNode = new Map<number, number>();
  const queue: number[] = [];
  const seen = new Set<number>();
  for (const s of sources) {
    if (bannedNodes.has(s) || seen.has(s)) continue;
    seen.add(s);
    queue.push(s);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi];
    if (targets.has(n) && !sources.includes(n)) {
      const path: number[] = [];
      for (let cur = n; prevEdge.has(cur); cur = prevNode.get(cur)!) path.push(prevEdge.get(cur)!);
      return path.reverse();
    }
    for (const { to, edge } of adj[n]) {
      if (seen.has(to) || bannedNodes.has(to) || bannedPairs.has(`${n}>${to}`)) continue;
      seen.add(to);
      prevEdge.set(to, edge);
      prevNode.set(to, n);
      queue.push(to);
    }
  }
  return undefined;
}

export function kShortestPaths(g: CallGraph, sources: number[], targets: Set<number>, k: number): number[][] {
  const adj = pairAdjacency(g);
  const first = bfs(adj, sources, targets, new Set(), new Set());
  if (!first) return [];
  const found: number[][] = [first];
  const candidates: number[][] = [];
  const key = (p: number[]) => p.join(',');
  const known = new Set([key(first)]);
  while (found.length < k) {
    const last = found[found.length - 1];
    for (let i = 0; i < last.length; i++) {
      const root = last.slice(0, i);
      const spur = i === 0 ? g.edges[last[0]].from : g.edges[last[i - 1]].to;
      const bannedPairs = new Set<string>();
      for (const p of found) {
        if (p.length > i && key(p.slice(0, i)) === key(root)) bannedPairs.add(`${g.edges[p[i]].from}>${g.edges[p[i]].to}`);
      }
      const bannedNodes = new Set(root.map((e) => g.edges[e].from));
      const tail = bfs(adj, [spur], targets, bannedNodes, bannedPairs);
      if (!tail) continue;
      const path = [...root, ...tail];
      if (!known.has(key(path))) {
        known.add(key(path));
        candidates.push(path);
      }
    }
    if (!candidates.length) break;
    candidates.sort((a, b) => a.length - b.length);
    found.push(candidates.shift()!);
  }
  return found;
}
