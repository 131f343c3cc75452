// Outline of one file: functions, types, macros and file-scope variables from the index.
import type { Connection, DocumentSymbol, DocumentSymbolParams, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { rangeAt, sourceLines, symbolKind } from './lsp-convert';
import { fileSymbols } from '../engine/symbols';

export class DocumentSymbolsFeature {
  constructor(private readonly session: IndexSession, private readonly documents: TextDocuments<TextDocument>, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onDocumentSymbol(guarded(this.log, 'documentSymbol', async (params: DocumentSymbolParams, token) => {
      const idx = await this.session.current(token);
      const rel = this.session.toRelative(params.textDocument.uri);
      if (!idx || !rel) return [];
      const lines = sourceLines(this.documents, params.textDocument.uri, this.session.absolute(rel));
      const out: DocumentSymbol[] = [];
      for (const s of fileSymbols(idx.files, rel)) {
        if (out.length % 500 === 0) throwIfCancelled(token);
        const selectionRange = rangeAt(s.line, s.col, s.name.length);
        // The index knows where a definition's name is and the line it ends on: span whole lines.
        const endLine = Math.max(s.endLine, s.line) - 1;
        const endCharacter = Math.max(lines.line(endLine)?.length ?? 0, endLine === s.line - 1 ? selectionRange.end.character : 0);
        const range = { start: { line: s.line - 1, character: 0 }, end: { line: endLine, character: endCharacter } };
        out.push({ name: s.name, detail: s.signature, kind: symbolKind(s.kind), range, selectionRange });
      }
      return out;
    }));
  }
}
