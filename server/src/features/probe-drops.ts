// Drop sites for the probe features: one drop-site engine per call graph, so the lens and the
// "Which drop site fires?" command share its per-file results until the next full open.
import type { CallGraph } from '../engine/callgraph/graph';
import { DropEngine } from '../engine/drops/engine';
import type { KernelIndex } from '../engine/indexer';

const engines = new WeakMap<CallGraph, DropEngine>();

export function dropEngineFor(index: KernelIndex, graph: CallGraph): DropEngine {
  let e = engines.get(graph);
  if (!e) engines.set(graph, (e = new DropEngine(index, graph)));
  return e;
}
