// Re-parses one source file on demand, with the same pre-parse rewrites as the indexer, for
// analysis the index does not store (conditions, label code, printf columns). The tree is
// freed as soon as the callback returns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, Range } from 'web-tree-sitter';
import { loadCParser, type CParser } from '../parser';
import { makeNeutraliser, type Neutraliser } from '../macros';
import type { Knowledge } from '../knowledge';

export interface ParsedSource {
  root: Node;
  /** The original text (conditions and reasons are shown from it; offsets match the tree). */
  text: string;
}

export class SourceParser {
  private parser: Promise<CParser> | undefined;
  private readonly neutraliser: Neutraliser;

  /** `unsaved` gives the text of a file open with unsaved edits, which is parsed instead of the disk. */
  constructor(private readonly treeRoot: string, knowledge: Knowledge, private readonly unsaved: (rel: string) => string | undefined = () => undefined) {
    this.neutraliser = makeNeutraliser(knowledge.annotationMacros, knowledge.annotationFunctionMacros, knowledge.loopMacroMarker);
  }

  /**
   * Parses `rel` (or `text`) and runs `use` on it; undefined when the file cannot be read. With
   * `spans` (1-based inclusive line ranges) only those lines are parsed (tree-sitter's included
   * ranges): positions and offsets stay the file's, and a caller that needs a few functions of
   * net/core/dev.c does not pay for its 12,000 lines.
   */
  async with<T>(rel: string, use: (src: ParsedSource) => T, text?: string, spans?: LineSpan[]): Promise<T | undefined> {
    let original = text ?? this.unsaved(rel);
    if (original === undefined) {
      try {
        original = fs.readFileSync(path.join(this.treeRoot, rel), 'utf8');
      } catch {
        return undefined;
      }
    }
    const p = await (this.parser ??= loadCParser());
    const neutral = this.neutraliser.apply(original).text;
    const ranges = spans?.length ? includedRanges(neutral, spans) : undefined;
    const tree = p.parser.parse(neutral, null, ranges ? { includedRanges: ranges } : undefined);
    if (!tree) return undefined;
    try {
      return use({ root: tree.rootNode, text: original });
    } finally {
      tree.delete();
    }
  }
}

/** Lines `from` to `to`, 1-based and inclusive. */
export interface LineSpan { from: number; to: number }

/** tree-sitter ranges (offsets in UTF-16 code units, as its nodes report them) of whole lines, merged and in order. */
function includedRanges(text: string, spans: LineSpan[]): Range[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lines = starts.length;
  const lineText = (n: number) => text.slice(starts[n - 1], n < lines ? starts[n] : text.length);
  // A span that starts inside the conditional of the function before (an #endif, #else or #elif
  // of its block) starts after those lines: alone they make the parse an error.
  const open = (s: LineSpan) => {
    let from = Math.max(1, s.from);
    while (from <= s.to && /^\s*#\s*(endif|else|elif)\b/.test(lineText(from))) from++;
    return { from, to: Math.min(lines, s.to) };
  };
  const sorted = spans.map(open).filter((s) => s.from <= s.to).sort((a, b) => a.from - b.from);
  const merged: LineSpan[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.from <= last.to + 1) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  return merged.map(({ from, to }) => {
    const endIndex = to < lines ? starts[to] : text.length;
    const endRow = to < lines ? to : lines - 1;
    return {
      startIndex: starts[from - 1], endIndex,
      startPosition: { row: from - 1, column: 0 },
      endPosition: { row: endRow, column: to < lines ? 0 : text.length - starts[lines - 1] },
    };
  });
}

/**
 * The lines to parse for some functions of a file: each one's definition, and what stands before
 * it back to the end of the function before (its return type, attributes, an opening #ifdef).
 */
export function functionSpans(functions: ReadonlyArray<{ line: number; endLine: number }>, wanted: Iterable<number>): LineSpan[] {
  const ends = functions.map((f) => f.endLine).sort((a, b) => a - b);
  const out: LineSpan[] = [];
  for (const i of wanted) {
    const f = functions[i];
    if (!f) continue;
    // The last end line before this function's name line (binary search over the sorted ends).
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] < f.line) lo = mid + 1;
      else hi = mid;
    }
    out.push({ from: (lo > 0 ? ends[lo - 1] : 0) + 1, to: f.endLine });
  }
  return out;
}

/** The function_definition node spanning 1-based `line` (its name line), searching down through preprocessor blocks. */
export function functionNodeAt(root: Node, line: number): Node | undefined {
  const row = line - 1;
  let n: Node = root;
  for (let depth = 0; depth < 12; depth++) {
    let next: Node | undefined;
    for (const c of n.namedChildren) {
      if (c && c.startPosition.row <= row && row <= c.endPosition.row) {
        next = c;
        break;
      }
    }
    if (!next) return undefined;
    if (next.type === 'function_definition') return next;
    n = next;
  }
  return undefined;
}

/** Pre-order walk of `node`'s named descendants; `visit` returns false to skip a subtree. */
export function walk(node: Node, visit: (n: Node) => boolean | void): void {
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    const kids = n.namedChildren;
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k) stack.push(k);
    }
  }
}

export function oneLine(s: string, max = 200): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) + '…' : t;
}
