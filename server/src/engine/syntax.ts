// The slice of the tree-sitter API that extraction uses, so extract.ts does not depend on one
// runtime. web-tree-sitter implements it. The native `tree-sitter` binding fits the same shapes
// and produced identical facts, but measured no faster end to end (README, "Native binding"),
// so it is not shipped.

export interface SyntaxPoint { row: number; column: number }

export interface SyntaxNode {
  readonly type: string;
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: SyntaxPoint;
  readonly endPosition: SyntaxPoint;
  readonly hasError: boolean;
  readonly firstNamedChild: SyntaxNode | null;
  readonly lastNamedChild: SyntaxNode | null;
  childForFieldName(name: string): SyntaxNode | null;
}

export interface SyntaxCapture { name: string; node: SyntaxNode }
export interface SyntaxMatch { captures: SyntaxCapture[] }

export interface SyntaxQuery {
  matches(node: SyntaxNode): SyntaxMatch[];
}

export interface SyntaxTree { readonly rootNode: SyntaxNode }

/** One parse: the tree and how to release it (wasm trees must be deleted). */
export interface ParsedTree { tree: SyntaxTree; free(): void }

export type ParseOutcome = { ok: true; parsed: ParsedTree } | { ok: false; reason: string };

/** A parser plus the compiled fact queries, whichever runtime provides them. */
export interface SyntaxBackend {
  readonly name: string;
  /** The grammar actually loaded, for logs. */
  readonly grammarPath: string;
  readonly facts: SyntaxQuery;
  readonly loads: SyntaxQuery;
  /** Parse with a time budget; a pathological file comes back as a reason, not a hang. */
  parse(text: string, timeoutMs: number): ParseOutcome;
}
