// Conversions between the index (1-based lines, 0-based UTF-16 columns, tree-relative paths)
// and LSP (0-based lines, URIs), plus the identifier under the cursor.
import * as fs from 'node:fs';
import { SymbolKind, type Position, type Range } from 'vscode-languageserver/node';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SymbolKindName } from '../engine/types';

/** Range of `length` characters at an index position. */
export function rangeAt(line: number, col: number, length: number): Range {
  return { start: { line: line - 1, character: col }, end: { line: line - 1, character: col + length } };
}

const KINDS: Record<SymbolKindName, SymbolKind> = {
  function: SymbolKind.Function,
  struct: SymbolKind.Struct,
  union: SymbolKind.Struct,
  enum: SymbolKind.Enum,
  enumerator: SymbolKind.EnumMember,
  macro: SymbolKind.Constant,
  typedef: SymbolKind.TypeParameter,
  variable: SymbolKind.Variable,
};

export function symbolKind(kind: SymbolKindName): SymbolKind {
  return KINDS[kind];
}

/** Line access for a file: the editor's buffer when open (it may be unsaved), else the disk. */
export interface SourceLines {
  line(index0: number): string | undefined;
}

export function sourceLines(documents: TextDocuments<TextDocument>, uri: string, absPath: string | undefined): SourceLines {
  const doc = documents.get(uri);
  if (doc) {
    return {
      line: (i) => (i < 0 || i >= doc.lineCount ? undefined : doc.getText({ start: { line: i, character: 0 }, end: { line: i + 1, character: 0 } }).replace(/\r?\n$/, '')),
    };
  }
  let lines: string[] | undefined;
  return {
    line: (i) => {
      if (!lines) {
        try {
          lines = absPath ? fs.readFileSync(absPath, 'utf8').split(/\r?\n/) : [];
        } catch {
          lines = [];
        }
      }
      return lines[i];
    },
  };
}

const IDENT = /[A-Za-z0-9_]/;

/** The C identifier touching `pos`, or undefined on whitespace, punctuation or a number. */
export function identifierAt(lineText: string, pos: Position): { name: string; range: Range } | undefined {
  let start = Math.min(pos.character, lineText.length);
  let end = start;
  while (start > 0 && IDENT.test(lineText[start - 1])) start--;
  while (end < lineText.length && IDENT.test(lineText[end])) end++;
  const name = lineText.slice(start, end);
  if (!name || /^[0-9]/.test(name)) return undefined;
  return { name, range: { start: { line: pos.line, character: start }, end: { line: pos.line, character: end } } };
}
