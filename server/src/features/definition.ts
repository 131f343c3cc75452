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
      // Before the index is open and its symbol table built (seconds after a warm start), the
      // symbols lookup beside the cache answers, when it is current and no open buffer was edited.
      const early = symbolAtCursor(this.session, this.documents, params.textDocument.uri, params.position);
      const fromLookup = early ? this.session.lookupDefinitions(early.name, this.documents.all().some((d) => d.version > 1)) : undefined;
      let all = fromLookup;
      let symbol = early;
      if (!all) {
        const idx = await this.session.current(token);
        if (!idx) return null;
        symbol = symbolAtCursor(this.session, this.documents, params.textDocument.uri, params.position);
        if (!symbol) return null;
        throwIfCancelled(token);
        all = (await idx.symbolsReady()).definitions(symbol.name);
      }
      if (!symbol) return null;
      // The kind the use asks for first (`struct udp_table` the type, `&udp_table` the variable),
      // and only that kind when there is one: a macro or prototype of the same name is rarely the target.
      const defs = forUse(all, symbol.typeUse);
      const first = defs[0]?.kind;
      const chosen = defs.filter((d) => d.kind === first || (isType(d.kind) && first !== undefined && isType(first))).slice(0, MAX_DEFINITIONS);
      return chosen.map((d): Location => ({ uri: this.session.toUri(d.file), range: rangeAt(d.line, d.col, d.name.length) }));
    }));
  }
}
