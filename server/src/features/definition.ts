// Go to definition: the name under the cursor, looked up in the whole index (function bodies first).
import type { Connection, DefinitionParams, Location, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { rangeAt } from './lsp-convert';
import { symbolAtCursor } from './symbol-at-cursor';
import { forUse, isType } from '../engine/symbols';

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
      // The kind the use asks for first (`struct udp_table` the type, `&udp_table` the variable),
      // and only that kind when there is one: a macro or prototype of the same name is rarely the target.
      const defs = forUse((await idx.symbolsReady()).definitions(symbol.name), symbol.typeUse);
      const first = defs[0]?.kind;
      const chosen = defs.filter((d) => d.kind === first || (isType(d.kind) && first !== undefined && isType(first))).slice(0, MAX_DEFINITIONS);
      return chosen.map((d): Location => ({ uri: this.session.toUri(d.file), range: rangeAt(d.line, d.col, d.name.length) }));
    }));
  }
}
