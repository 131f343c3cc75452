// Find references: calls, address-taken uses (`.handler = udp_rcv`), dispatch-macro arguments.
import type { Connection, Location, ReferenceParams, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { rangeAt } from './lsp-convert';
import { symbolAtCursor } from './symbol-at-cursor';

export class ReferencesFeature {
  constructor(private readonly session: IndexSession, private readonly documents: TextDocuments<TextDocument>, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onReferences(guarded(this.log, 'references', async (params: ReferenceParams, token) => {
      const idx = await this.session.current(token);
      if (!idx) return [];
      const symbol = symbolAtCursor(this.session, this.documents, params.textDocument.uri, params.position);
      if (!symbol) return [];
      const table = await idx.symbolsReady();
      const out: Location[] = [];
      if (params.context.includeDeclaration) {
        for (const d of table.definitions(symbol.name)) out.push({ uri: this.session.toUri(d.file), range: rangeAt(d.line, d.col, d.name.length) });
      }
      throwIfCancelled(token);
      for (const r of table.references(symbol.name)) {
        if (out.length % 1000 === 0) throwIfCancelled(token);
        // A macro argument is located at the macro, whose name length the index does not keep.
        const length = r.kind === 'macro-arg' ? 0 : symbol.name.length;
        out.push({ uri: this.session.toUri(r.file), range: rangeAt(r.line, r.col, length) });
      }
      return out;
    }));
  }
}
