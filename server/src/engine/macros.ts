// Rewrite kernel macros that tree-sitter-c misreads, before parsing. Every rewrite keeps
// the length and the newlines, so byte offsets, lines and columns stay exact.
//  - annotation macros (`__init`, `__printf(1, 2)`) become spaces;
//  - iterator macros used as loop heads (`list_for_each_entry(p, h, m) {`) become `while`
//    padded with spaces, so their bodies parse as statements instead of error recovery;
//  - conditional branches that open unbalanced braces (conditionals.ts).
import { blankUnbalancedBranches } from './conditionals';

export interface Neutraliser {
  /** Returns the rewritten text and the annotation names blanked, by offset. */
  apply(text: string): { text: string; hits: Array<{ name: string; index: number }> };
}

interface Edit { start: number; end: number; replacement: string }

export function makeNeutraliser(objectLike: string[], functionLike: string[], loopMarker?: string): Neutraliser {
  const fnSet = new Set(functionLike);
  const names = [...new Set([...objectLike, ...functionLike])].sort((a, b) => b.length - a.length);
  const re = names.length ? new RegExp(`\\b(?:${names.map(escape).join('|')})\\b`, 'g') : undefined;
  return {
    apply(input: string) {
      const text = blankUnbalancedBranches(input);
      const hits: Array<{ name: string; index: number }> = [];
      const edits: Edit[] = [];
      if (loopMarker) loopEdits(text, loopMarker, edits);
      if (re) re.lastIndex = 0;
      for (let m = re?.exec(text); re && m; m = re.exec(text)) {
        const start = m.index;
        const word = m[0];
        let end = start + word.length;
        if (fnSet.has(word)) {
          const close = balancedParenEnd(text, end);
          if (close < 0) continue; // `__free` as a plain word, or unbalanced: leave it alone
          end = close;
        }
        hits.push({ name: word, index: start });
        edits.push({ start, end, replacement: blank(text.slice(start, end)) });
        re.lastIndex = end;
      }
      if (edits.length === 0) return { text, hits };
      edits.sort((a, b) => a.start - b.start);
      let out = '';
      let pos = 0;
      for (const e of edits) {
        out += text.slice(pos, e.start) + e.replacement;
        pos = e.end;
      }
      out += text.slice(pos);
      return { text: out, hits };
    },
  };
}

/** Iterator macros: identifiers containing the marker, used as loop heads. */
function loopEdits(text: string, marker: string, edits: Edit[]): void {
  for (let at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length)) {
    let start = at;
    while (start > 0 && /\w/.test(text[start - 1])) start--;
    let end = at + marker.length;
    while (end < text.length && /\w/.test(text[end])) end++;
    if (end - start >= 5 && /^[a-z_]/.test(text[start]) && isLoopHead(text, start, end)) {
      edits.push({ start, end, replacement: 'while' + ' '.repeat(end - start - 5) });
    }
    at = end - marker.length;
  }
}

/**
 * `name(...)` starts a loop when it stands where a statement starts (after `;`, `{`, `}`,
 * `)`, `:` or `else`) and its `)` is followed by a statement, not by `;` or an operator.
 * Definitions (`int foo_for_each(...) {`) and `#define` lines are left alone.
 */
function isLoopHead(text: string, start: number, end: number): boolean {
  let i = start - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i--;
  const before = text[i];
  const afterElse = i >= 3 && text.slice(i - 3, i + 1) === 'else' && !/\w/.test(text[i - 4] ?? '');
  if (!(before === ';' || before === '{' || before === '}' || before === ')' || before === ':' || afterElse || i < 0)) return false;
  const close = balancedParenEnd(text, end);
  if (close < 0) return false;
  let j = close;
  while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r' || text[j] === '\\')) j++;
  const next = text[j];
  return next === '{' || (next !== undefined && /[A-Za-z_]/.test(next));
}

/** Index just past the `)` that balances a `(` following `from` (whitespace allowed), or -1. */
function balancedParenEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] !== '(') return -1;
  let depth = 0;
  const limit = Math.min(text.length, i + 4096); // macro heads are short; bound the scan
  for (; i < limit; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

function blank(s: string): string {
  return s.replace(/[^\n\r]/g, ' ');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
