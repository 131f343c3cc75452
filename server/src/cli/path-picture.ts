// `netpath path A B --format dot|svg`: the receive-path map of the editor (shared/path-map.ts),
// from the same query (engine/analysis/receive-path-query.ts) with each function's drop sites.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPathMap, pathMapDot, renderPathMap, svgText } from '../../../shared/path-map';
import type { ReceivePathResult } from '../../../shared/protocol';
import { receivePathResult } from '../engine/analysis/receive-path-query';
import type { Analysis } from '../engine/analysis/snapshot';
import type { PathOptions } from '../engine/callgraph/paths';
import type { CallGraph } from '../engine/callgraph/graph';
import type { KernelIndex } from '../engine/indexer';

export type PictureFormat = 'dot' | 'svg';

export async function pathPicture(
  loaded: { idx: KernelIndex; graph: CallGraph; analysis: Analysis },
  q: { from: string; to: string; max: number; opts: PathOptions },
  format: PictureFormat,
): Promise<{ text: string; result: ReceivePathResult }> {
  const { idx, graph, analysis } = loaded;
  const engine = await analysis.drops();
  const result = await receivePathResult(graph, engine, { from: q.from, to: [q.to], max: q.max, opts: q.opts, napi: idx.knowledge.napiPoll }, {
    root: idx.root, rootUri: pathToFileURL(idx.root).href, toUri: (f) => pathToFileURL(path.join(idx.root, f)).href,
  });
  if (!result.paths.length) return { text: '', result };
  const map = buildPathMap(result);
  const title = `${q.from} -> ${q.to}`;
  return { text: format === 'dot' ? pathMapDot(map, title) : svgText(renderPathMap(map).svg), result };
}
