// Counter sites for the live counters panel: which kernel lines increment a counter, from the
// drop-site engine (server/src/engine/drops), on the session's index and call graph. One engine
// per index, so its counter map is built once.
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { CounterSitesRequest, type CounterSitesParams, type CounterSitesResult } from '../../../shared/protocol';
import { DropEngine, UnknownCounterError } from '../engine/drops/engine';
import type { CallGraph } from '../engine/callgraph/graph';
import type { KernelIndex } from '../engine/indexer';
import { guarded, untilCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class CounterSitesFeature {
  private engines = new WeakMap<KernelIndex, { graph: CallGraph; engine: DropEngine }>();

  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onRequest(CounterSitesRequest, guarded(this.log, 'counterSites', async (params: CounterSitesParams, token): Promise<CounterSitesResult | ResponseError<void>> => {
      const loaded = await this.session.callGraph(token, connection.languages.attachWorkDoneProgress(params));
      if (!loaded) return new ResponseError<void>(ErrorCodes.InvalidRequest, 'no kernel tree is indexed: open one to link counters to code');
      let e = this.engines.get(loaded.index);
      if (!e || e.graph !== loaded.graph) this.engines.set(loaded.index, (e = { graph: loaded.graph, engine: new DropEngine(loaded.index, loaded.graph) }));
      try {
        const r = await untilCancelled(e.engine.counterSites(params.counter), token);
        return {
          counter: r.counter, file: r.file, mib: r.mib,
          sites: r.sites.map((s) => ({ function: s.function, file: s.file, line: s.line, via: s.via, uri: this.session.toUri(s.file) })),
        };
      } catch (err) {
        if (err instanceof UnknownCounterError) return new ResponseError<void>(ErrorCodes.InvalidParams, err.message);
        throw err;
      }
    }));
  }
}
