// "netpath: Explain counter…": one counter explained from the tree (engine/drops/explain-counter.ts):
// what it counts, the drop reasons beside it, where it is incremented, what to run next.
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { ExplainCounterRequest, type ExplainCounterParams, type ExplainCounterResult } from '../../../shared/protocol';
import { UnknownCounterError } from '../engine/drops/engine';
import { explainCounter } from '../engine/drops/explain-counter';
import { DropEngines } from './drop-engines';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class ExplainCounterFeature {
  private readonly engines: DropEngines;

  constructor(private readonly session: IndexSession, private readonly log: Logger) {
    this.engines = DropEngines.of(session);
  }

  register(connection: Connection): void {
    connection.onRequest(ExplainCounterRequest, guarded(this.log, 'explainCounter', async (params: ExplainCounterParams, token): Promise<ExplainCounterResult | ResponseError<void>> => {
      const loaded = await this.engines.load(token, connection.languages.attachWorkDoneProgress(params));
      if (!loaded) return new ResponseError<void>(ErrorCodes.InvalidRequest, 'no kernel tree is indexed: open one to explain its counters');
      throwIfCancelled(token);
      try {
        return { ...(await explainCounter(loaded.engine, params.counter)), rootUri: this.session.toUri('') };
      } catch (e) {
        if (e instanceof UnknownCounterError) return new ResponseError<void>(ErrorCodes.InvalidParams, e.message);
        throw e;
      }
    }));
  }
}
