// Who asked for a free that is probably not a drop. The kernel names the function that called
// kfree_skb (skb_release_data, udp_destruct_common): a helper that frees on behalf of many
// callers. The call graph tells which of those callers are on the indexed receive path, so the
// row can say "freed in udp_destruct_common, called from udp_destruct_sock (net/ipv4/udp.c:1669)".
// Only direct calls and macros are followed: an indirect call resolved to dozens of candidates
// (sk->sk_destruct) would name every socket family and tell nothing. The walk goes up through
// other generic helpers (skb_release_data <- skb_release_all <- ...) but stops at the first
// receive-path caller of each branch, and at a bounded depth.
import type { CallGraph } from '../engine/callgraph/graph';
import knowledge from './live-knowledge.json';

export interface CallerRef {
  /** The caller on the receive path, and the line of its call (tree-relative file, 1-based line). */
  function: string;
  file: string;
  line: number;
  /** Generic helpers between it and the freeing function, nearest to the caller first. */
  via: string[];
}

/** The receive-path callers of `fn`, nearest first, then net/ before drivers, by file and line; at most `knowledge.maxCallers`. */
export function receivePathCallers(graph: CallGraph, fn: string, onPath: ReadonlySet<string>, passThrough: (name: string) => boolean): CallerRef[] {
  const start = graph.idsOf(fn);
  const seen = new Set<number>(start);
  const found: CallerRef[] = [];
  let frontier = start.map((id) => ({ id, via: [] as string[] }));
  for (let depth = 0; depth < knowledge.callerDepth && frontier.length; depth++) {
    const next: typeof frontier = [];
    const level: CallerRef[] = [];
    for (const f of frontier) {
      for (const e of graph.inOf(f.id)) {
        const kind = graph.edgeKind(e);
        if (kind !== 'direct' && kind !== 'macro') continue;
        const from = graph.edgeFrom(e);
        if (seen.has(from)) continue;
        seen.add(from);
        const n = graph.nodes[from];
        if (passThrough(n.name)) next.push({ id: from, via: [n.name, ...f.via] });
        else if (onPath.has(`${n.file}|${n.name}`)) level.push({ function: n.name, file: n.file, line: graph.edgeLine(e), via: f.via });
      }
    }
    // The core (net/) first: it runs on every host, a driver's code only where that device is.
    const core = (c: CallerRef) => (c.file.startsWith('net/') ? 0 : 1);
    level.sort((a, b) => core(a) - core(b) || a.file.localeCompare(b.file) || a.line - b.line);
    found.push(...level);
    frontier = next;
  }
  return found.slice(0, knowledge.maxCallers);
}
