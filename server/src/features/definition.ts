// Go to definition: the name under the cursor, looked up in the whole index (function bodies first).
import type { Connection, DefinitionParams, Location, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { rangeAt } from './lsp-convert';
import { symbolAtCursor } from './symbol-at-cursor';

/** A name such as `init` can have hundreds of definitions; more than this is not navigable. */
const MAX_DEFINITIONS = 100;

export class DefinitionFeature {
  constructor(private readonly session: IndexSession, private readonly documents: TextDocuments<TextDocument>, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onDefinition(guarded(this.log, 'definition', async (params: DefinitionParams, token) => {
      const idx = await this.session.current(token);
      if (!idx) return null;
      const symbol = symbolAtCursor(this.session, this.documents, params.textDocument.uri, params.position);
      if (!symbol) return null;
      throwIfCancelled(token);
      const defs = idx.symbols().definitions(symbol.name);
      // Prefer function bodies: a macro or variable of the same name is rarely the target.
      const functions = defs.filter((d) => d.kind === 'function');
      const chosen = (functions.length ? functions : defs).slice(0, MAX_DEFINITIONS);
      return chosen.map((d): Location => ({ uri: this.session.toUri(d.file), range: rangeAt(d.line, d.col, d.name.length) }));
    }));
  }
}
