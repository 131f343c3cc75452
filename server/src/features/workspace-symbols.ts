// Fuzzy workspace symbol search ("tphndlfrm" finds tap_handle_frame) over the whole index.
import type { Connection, SymbolInformation, WorkspaceSymbolParams } from 'vscode-languageserver/node';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { rangeAt, symbolKind } from './lsp-convert';

/** VS Code shows a short list; ranking puts the best matches first. */
const MAX_RESULTS = 256;

export class WorkspaceSymbolsFeature {
  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onWorkspaceSymbol(guarded(this.log, 'workspaceSymbol', async (params: WorkspaceSymbolParams, token) => {
      const idx = await this.session.current(token);
      if (!idx || !params.query.trim()) return [];
      const found = (await idx.symbolsReady()).search(params.query.trim(), MAX_RESULTS);
      throwIfCancelled(token);
      return found.map((s): SymbolInformation => ({
        name: s.name,
        kind: symbolKind(s.kind),
        containerName: s.file,
        location: { uri: this.session.toUri(s.file), range: rangeAt(s.line, s.col, s.name.length) },
      }));
    }));
  }
}
