// The drop-site engine of the current analysis (engine/analysis/snapshot.ts), for the drop-site
// features (tree view requests, hover, code lenses, counter sites, probes): one engine per index
// version, so its counter map and per-file results are computed once and shared, and an edit
// gives the next request a new engine on a new graph.
import type { CancellationToken, WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { DropEngine } from '../engine/drops/engine';
import type { CallGraph } from '../engine/callgraph/graph';
import type { IndexView } from '../engine/indexer';
import type { Analysis } from '../engine/analysis/snapshot';
import { untilCancelled } from './guard';
import type { IndexSession } from './index-session';

export interface LoadedDrops {
  /** The index as this analysis saw it. */
  index: IndexView;
  graph: CallGraph;
  engine: DropEngine;
  analysis: Analysis;
  /** "file|function" of the functions on a chain from a NAPI poll function to a socket-enqueue function. */
  onReceivePath(): Promise<Set<string>>;
}

const perSession = new WeakMap<IndexSession, DropEngines>();

export class DropEngines {
  private constructor(private readonly session: IndexSession) {}

  static of(session: IndexSession): DropEngines {
    let e = perSession.get(session);
    if (!e) perSession.set(session, (e = new DropEngines(session)));
    return e;
  }

  async load(token: CancellationToken, progress: WorkDoneProgressReporter): Promise<LoadedDrops | undefined> {
    const loaded = await this.session.callGraph(token, progress);
    if (!loaded) return undefined;
    const { analysis } = loaded;
    const engine = await untilCancelled(analysis.drops(), token);
    return { ...loaded, engine, onReceivePath: () => analysis.receivePathFunctions() };
  }
}
