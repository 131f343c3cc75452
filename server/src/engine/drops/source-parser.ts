// Re-parses one source file on demand, with the same pre-parse rewrites as the indexer, for
// analysis the index does not store (conditions, label code, printf columns). The tree is
// freed as soon as the callback returns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
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

  /** Parses `rel` (or `text`) and runs `use` on it; undefined when the file cannot be read. */
  async with<T>(rel: string, use: (src: ParsedSource) => T, text?: string): Promise<T | undefined> {
    let original = text ?? this.unsaved(rel);
    if (original === undefined) {
      try {
        original = fs.readFileSync(path.join(this.treeRoot, rel), 'utf8');
      } catch {
        return undefined;
      }
    }
    const p = await (this.parser ??= loadCParser());
    const tree = p.parser.parse(this.neutraliser.apply(original).text);
    if (!tree) return undefined;
    try {
      return use({ root: tree.rootNode, text: original });
    } finally {
      tree.delete();
    }
  }
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
