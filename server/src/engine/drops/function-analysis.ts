// What one function's syntax tree says about drops: where each label's code runs until the
// next return, the frees in it, each goto's guarding condition, and which SKB_DROP_REASON_*
// value reaches each goto or free. Pure: works on a tree the caller owns.
import type { Node } from 'web-tree-sitter';
import { oneLine, walk } from './source-parser';
import type { DropKnowledge } from './knowledge';

export interface FreeCall { name: string; line: number; at: number; reason: string | null }
export interface LabelCode {
  label: string;
  line: number;
  /** The label's code: from the label to the end of the next return (or of the function). */
  start: number;
  end: number;
  endLine: number;
  frees: FreeCall[];
}
export interface GotoFact { label: string; line: number; at: number; condition?: string; reason: string | null }
export interface FunctionDropFacts { labels: LabelCode[]; gotos: GotoFact[]; frees: FreeCall[] }

interface ReasonStore { variable: string; value: string; at: number; blockStart: number; blockEnd: number }
interface RawFree { name: string; line: number; at: number; constant?: string; variable?: string }

export function analyseFunction(fn: Node, text: string, k: DropKnowledge): FunctionDropFacts {
  const labels: Array<{ label: string; line: number; start: number }> = [];
  const gotos: Array<{ label: string; line: number; at: number; node: Node }> = [];
  const returns: number[] = [];
  const frees: RawFree[] = [];
  const stores: ReasonStore[] = [];
  walk(fn, (n) => {
    switch (n.type) {
      case 'labeled_statement': {
        const l = n.childForFieldName('label');
        if (l) labels.push({ label: l.text, line: n.startPosition.row + 1, start: n.startIndex });
        break;
      }
      case 'goto_statement': {
        const l = n.childForFieldName('label');
        if (l) gotos.push({ label: l.text, line: n.startPosition.row + 1, at: n.startIndex, node: n });
        break;
      }
      case 'return_statement':
        returns.push(n.startIndex);
        break;
      case 'call_expression': {
        const callee = n.childForFieldName('function');
        if (callee?.type !== 'identifier') break;
        const name = callee.text;
        if (!k.freeFunctions.has(name) && !k.conditionalFrees.has(name)) break;
        const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
        const free: RawFree = { name, line: n.startPosition.row + 1, at: n.startIndex };
        const constant = args.find((a) => a.type === 'identifier' && a.text.startsWith(k.reasonPrefix));
        const last = args[args.length - 1];
        if (constant) free.constant = constant.text;
        else if (name.includes('reason') && last?.type === 'identifier') free.variable = last.text;
        frees.push(free);
        break;
      }
      case 'assignment_expression': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type === 'identifier' && right?.type === 'identifier' && right.text.startsWith(k.reasonPrefix)) {
          stores.push({ variable: left.text, value: right.text, at: n.startIndex, ...blockOf(n) });
        }
        break;
      }
      case 'init_declarator': {
        const d = n.childForFieldName('declarator');
        const v = n.childForFieldName('value');
        if (d?.type === 'identifier' && v?.type === 'identifier' && v.text.startsWith(k.reasonPrefix)) {
          stores.push({ variable: d.text, value: v.text, at: n.startIndex, ...blockOf(n) });
        }
        break;
      }
    }
  });
  returns.sort((a, b) => a - b);
  frees.sort((a, b) => a.at - b.at);
  /** The reason a variable holds at `at`: the last store before it in a block that encloses it. */
  const reasonOf = (variable: string, at: number): string | null => {
    let best: ReasonStore | undefined;
    for (const s of stores) {
      if (s.variable === variable && s.at < at && s.blockStart <= at && at < s.blockEnd && (!best || s.at > best.at)) best = s;
    }
    return best?.value ?? null;
  };
  const fnEnd = fn.endIndex;
  const codes: LabelCode[] = labels.map((l) => {
    const ret = returns.find((r) => r > l.start);
    const end = ret !== undefined ? endOfStatement(text, ret, fnEnd) : fnEnd;
    const inside = frees.filter((f) => f.at >= l.start && f.at < end);
    return {
      label: l.label, line: l.line, start: l.start, end, endLine: lineAt(text, end, l.line, l.start),
      frees: inside.map((f) => ({ name: f.name, line: f.line, at: f.at, reason: f.constant ?? null })),
    };
  });
  const gotoFacts: GotoFact[] = gotos.map((g) => {
    const code = codes.find((c) => c.label === g.label);
    // The reason passed at the label: a constant, or the variable's value at the goto.
    let reason: string | null = null;
    for (const f of code ? frees.filter((x) => x.at >= code.start && x.at < code.end) : []) {
      reason = f.constant ?? (f.variable ? reasonOf(f.variable, g.at) : null);
      if (reason) break;
    }
    const condition = guardOf(g.node, fn, text);
    return { label: g.label, line: g.line, at: g.at, reason, ...(condition ? { condition } : {}) };
  });
  const direct = frees.map((f) => ({ name: f.name, line: f.line, at: f.at, reason: f.constant ?? (f.variable ? reasonOf(f.variable, f.at) : null) }));
  return { labels: codes, gotos: gotoFacts, frees: direct };
}

/** Where a store is in effect: its enclosing block, or only its own statement when that is an unbraced if/else body. */
function blockOf(n: Node): { blockStart: number; blockEnd: number } {
  let stmt: Node = n;
  while (stmt.parent && !stmt.type.endsWith('statement') && stmt.type !== 'declaration') stmt = stmt.parent;
  const p = stmt.parent;
  return p && p.type === 'compound_statement' ? { blockStart: p.startIndex, blockEnd: p.endIndex } : { blockStart: stmt.startIndex, blockEnd: stmt.endIndex };
}

/** The condition of the nearest `if` the goto is under, negated in the else branch. */
function guardOf(g: Node, fn: Node, text: string): string | undefined {
  let child: Node = g;
  for (let p = g.parent; p && p.id !== fn.id; child = p, p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const cond = p.childForFieldName('condition');
    if (!cond) return undefined;
    let t = oneLine(text.slice(cond.startIndex, cond.endIndex));
    if (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
    const alt = p.childForFieldName('alternative');
    return alt && alt.id === child.id ? `!(${t})` : t;
  }
  return undefined;
}

/** End of the statement starting at `at` (a return): the next `;`. */
function endOfStatement(text: string, at: number, limit: number): number {
  const semi = text.indexOf(';', at);
  return semi >= 0 && semi < limit ? semi + 1 : limit;
}

function lineAt(text: string, at: number, line: number, from: number): number {
  let n = line;
  for (let i = text.indexOf('\n', from); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
