// The call graph and drop engine of an index, as the CLI and the server get them: the graph saved
// beside the index when it matches (cli.test.ts's cold run saves it), else built and saved once.
// graph-persist.test.ts checks that a saved graph answers exactly as a fresh build, so the other
// kernel tests need not rebuild it (about 20 s a tree each).
import { AnalysisHost } from '../../server/src/engine/analysis/snapshot';
import type { CallGraph } from '../../server/src/engine/callgraph/graph';
import type { DropEngine } from '../../server/src/engine/drops/engine';
import type { KernelIndex } from '../../server/src/engine/indexer';

export async function savedGraph(idx: KernelIndex): Promise<{ graph: CallGraph; drops: () => Promise<DropEngine> }> {
  const host = new AnalysisHost();
  host.setIndex(idx);
  const a = host.analysis()!;
  const graph = await a.graph();
  return { graph, drops: () => a.drops() };
}
