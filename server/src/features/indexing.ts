// Indexing and readiness: the first open after `initialized`, the status and re-index requests,
// and settings changes that need a new open.
import type { Connection, DidChangeConfigurationParams } from 'vscode-languageserver/node';
import { IndexStatusRequest, normaliseSettings, ReindexRequest, type NetpathSettings } from '../../../shared/protocol';
import { guarded, guardedNotification } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class IndexingFeature {
  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onInitialized(guardedNotification(this.log, 'initialized', async () => {
      await this.session.reopen();
    }));
    const status = guarded(this.log, 'indexStatus', () => this.session.currentStatus());
    const reindex = guarded(this.log, 'reindex', () => this.session.reopen());
    // Parameterless requests: the handler gets only the token.
    connection.onRequest(IndexStatusRequest, (token) => status(undefined, token));
    connection.onRequest(ReindexRequest, (token) => reindex(undefined, token));
    connection.onDidChangeConfiguration(guardedNotification(this.log, 'didChangeConfiguration', (p: DidChangeConfigurationParams) => this.configure(p)));
  }

  /** The client pushes the `netpath` section (synchronize.configurationSection). */
  private async configure(params: DidChangeConfigurationParams): Promise<void> {
    const raw = (params.settings as { netpath?: unknown } | null)?.netpath;
    if (raw === undefined) return;
    const next = normaliseSettings(raw);
    const previous = this.session.settings;
    this.session.settings = next;
    this.log.setTrace(next.trace.server);
    if (needsReopen(previous, next) && this.session.currentStatus().state !== 'starting') {
      this.log.info(`settings changed (scope ${next.scope.join(',')}); opening the index again`);
      await this.session.reopen();
    }
  }
}

function needsReopen(a: NetpathSettings, b: NetpathSettings): boolean {
  return a.scope.join(',') !== b.scope.join(',') || a.cacheDirectory !== b.cacheDirectory || a.workers !== b.workers;
}
