// One drop-site engine per index and call graph, shared by the drop-site features (tree view
// requests, hover, code lens), so its counter map and per-file results are computed once.
import type { CancellationToken, WorkDoneProgressReporter } from 'vscode-languageserver/node';
import { SOCKET_ENQUEUE_FUNCTIONS } from '../../../shared/protocol';
import { DropEngine } from '../engine/drops/engine';
import type { CallGraph } from '../engine/callgraph/graph';
import type { KernelIndex } from '../engine/indexer';
import type { IndexSession } from './index-session';

export interface LoadedDrops {
  index: KernelIndex;
  graph: CallGraph;
  engine: DropEngine;
  /** "file|function" of the functions on a chain from a NAPI poll function to a socket-enqueue function. */
  onReceivePath(): Set<string>;
}

const perSession = new WeakMap<IndexSession, DropEngines>();

export class DropEngines {
  private current: (LoadedDrops & { receive?: Set<string> }) | undefined;

  private constructor(private readonly session: IndexSession) {}

  static of(session: IndexSession): DropEngines {
    let e = perSession.get(session);
    if (!e) perSession.set(session, (e = new DropEngines(session)));
    return e;
  }

  async load(token: CancellationToken, progress: WorkDoneProgressReporter): Promise<LoadedDrops | undefined> {
    const loaded = await this.session.callGraph(token, progress);
    if (!loaded) return undefined;
    const c = this.current;
    if (c && c.index === loaded.index && c.graph === loaded.graph) return c;
    const fresh: LoadedDrops & { receive?: Set<string> } = {
      ...loaded,
      engine: new DropEngine(loaded.index, loaded.graph),
      onReceivePath: () => (fresh.receive ??= receivePathFunctions(loaded.graph, loaded.index.knowledge.napiPoll)),
    };
    this.current = fresh;
    return fresh;
  }
}

/** Functions reachable from a NAPI poll handler that also reach a socket-enqueue function. */
export function receivePathFunctions(graph: CallGraph, napi: { struct: string; field: string }): Set<string> {
  const starts = (graph.flows.get(napi.field) ?? []).filter((f) => f.struct === napi.struct).map((f) => f.fn);
  const ends = SOCKET_ENQUEUE_FUNCTIONS.flatMap((n) => graph.idsOf(n));
  const reach = (from: number[], next: (id: number) => number[]) => {
    const seen = new Set(from);
    for (const queue = [...from]; queue.length;) {
      for (const to of next(queue.pop()!)) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    return seen;
  };
  const forward = reach(starts, (id) => graph.out[id].map((e) => graph.edges[e].to));
  const backward = reach(ends, (id) => graph.in[id].map((e) => graph.edges[e].from));
  const out = new Set<string>();
  for (const id of forward) if (backward.has(id)) out.add(`${graph.nodes[id].file}|${graph.nodes[id].name}`);
  return out;
}
