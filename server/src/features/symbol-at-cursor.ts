// The identifier under the cursor of a text document, shared by definition, references and hover.
import type { Position, Range, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { IndexSession } from './index-session';
import { identifierAt, sourceLines } from './lsp-convert';

export interface SymbolAtCursor {
  name: string;
  range: Range;
  /** Written after `struct`, `union` or `enum`: a type, not a value of the same name. */
  typeUse: boolean;
}

export function symbolAtCursor(session: IndexSession, documents: TextDocuments<TextDocument>, uri: string, pos: Position): SymbolAtCursor | undefined {
  const rel = session.toRelative(uri);
  const lines = sourceLines(documents, uri, rel ? session.absolute(rel) : undefined);
  const text = lines.line(pos.line);
  const at = text === undefined ? undefined : identifierAt(text, pos);
  if (!at || text === undefined) return undefined;
  return { ...at, typeUse: /\b(struct|union|enum)\s+$/.test(text.slice(0, at.range.start.character)) };
}
