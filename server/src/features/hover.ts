// Hover: the signature of the function under the cursor and where it is defined.
import { MarkupKind, type Connection, type Hover, type HoverParams, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SymbolLocation } from '../engine/symbols';
import { dropHover } from './drop-hover';
import { guarded, RequestCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { symbolAtCursor } from './symbol-at-cursor';

/** Same-named static functions in many drivers: show a few, then a count. */
const MAX_SHOWN = 3;

export class HoverFeature {
  constructor(private readonly session: IndexSession, private readonly documents: TextDocuments<TextDocument>, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onHover(guarded(this.log, 'hover', async (params: HoverParams, token): Promise<Hover | null> => {
      const idx = await this.session.current(token);
      if (!idx) return null;
      // A drop site on this line (goto drop, kfree_skb, a counter): its reason and counters come first.
      const drops = await dropHover(this.session, connection, params.textDocument.uri, params.position.line + 1, token).catch((e: Error) => {
        if (e instanceof RequestCancelled) throw e;
        this.log.warn(`hover: drop sites unavailable: ${e.message}`);
        return undefined;
      });
      const dropsOnly = drops ? { contents: { kind: MarkupKind.Markdown, value: drops } } : null;
      const symbol = symbolAtCursor(this.session, this.documents, params.textDocument.uri, params.position);
      if (!symbol) return dropsOnly;
      const defs = (await idx.symbolsReady()).definitions(symbol.name);
      if (defs.length === 0) return dropsOnly;
      const here = this.session.toRelative(params.textDocument.uri);
      // A static function in this file shadows same-named ones elsewhere.
      const ordered = [...defs.filter((d) => d.file === here), ...defs.filter((d) => d.file !== here)];
      const parts = ordered.slice(0, MAX_SHOWN).map(describe);
      if (ordered.length > MAX_SHOWN) parts.push(`*…and ${ordered.length - MAX_SHOWN} more definitions*`);
      if (drops) parts.unshift(drops);
      return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') }, range: symbol.range };
    }));
  }
}

function describe(d: SymbolLocation): string {
  const code = d.kind === 'function' && d.signature ? d.signature : `${d.kind} ${d.name}`;
  return ['```c', code, '```', `${d.file}:${d.line}`].join('\n');
}
