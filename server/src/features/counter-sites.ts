// Counter sites for the live counters panel: which kernel lines increment a counter, from the
// drop-site engine (server/src/engine/drops). The engine is the one the drop-site features share
// (drop-engines.ts), so its counter map is built once per index and call graph.
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { validDriverName } from '../engine/drops/driver-sites';
import { CounterSitesRequest, type CounterSitesParams, type CounterSitesResult } from '../../../shared/protocol';
import { UnknownCounterError } from '../engine/drops/engine';
import { DropEngines } from './drop-engines';
import { guarded, untilCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class CounterSitesFeature {
  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onRequest(CounterSitesRequest, guarded(this.log, 'counterSites', async (params: CounterSitesParams, token): Promise<CounterSitesResult | ResponseError<void>> => {
      const loaded = await DropEngines.of(this.session).load(token, connection.languages.attachWorkDoneProgress(params));
      if (!loaded) return new ResponseError<void>(ErrorCodes.InvalidRequest, 'no kernel tree is indexed: open one to link counters to code');
      try {
        const driver = typeof params.driver === 'string' && validDriverName(params.driver) ? params.driver : undefined;
        const r = await untilCancelled(loaded.engine.counterSites(params.counter, driver ? { driver } : {}), token);
        return {
          counter: r.counter, key: r.key, file: r.file, mib: r.mib, ...(r.driver ? { driver: r.driver } : {}),
          sites: r.sites.map((s) => ({ function: s.function, file: s.file, line: s.line, via: s.via, uri: this.session.toUri(s.file), ...(s.group ? { group: s.group } : {}) })),
        };
      } catch (err) {
        if (err instanceof UnknownCounterError) return new ResponseError<void>(ErrorCodes.InvalidParams, err.message);
        throw err;
      }
    }));
  }
}
