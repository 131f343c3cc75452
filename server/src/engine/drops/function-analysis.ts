// What one function's syntax tree says about drops: where each label's code runs until the
// next return, the frees in it, each goto's guarding condition, and which SKB_DROP_REASON_*
// value reaches each goto or free. Pure: works on a tree the caller owns.
import type { Node } from 'web-tree-sitter';
import { oneLine, walk } from './source-parser';
import type { DropKnowledge } from './knowledge';

export interface FreeCall { name: string; line: number; at: number; reason: string | null }
/** A stretch of a label's code, as offsets and 1-based lines. */
export interface Segment { start: number; end: number; startLine: number; endLine: number }
export interface LabelCode {
  label: string;
  line: number;
  /**
   * The label's code: the statements from the label on, to the next return, through
   * unconditional gotos. Statements that contain their own exit (`if (x) { ...; return; }`)
   * are other paths and are left out.
   */
  segments: Segment[];
  frees: FreeCall[];
  /** Code before the label can run into it (the backlog-full path into enqueue_to_backlog's `drop:`). */
  fallsInto: boolean;
}
export interface GotoFact {
  label: string; line: number; at: number; condition?: string; reason: string | null;
  /** Where the guarding `if`'s condition starts, and the first line of the branch the goto is in. */
  conditionLine?: number; branchLine?: number;
  /** The variable the label's free reads the reason from (`drop_reason`), when it is a variable. */
  reasonVariable?: string;
}
export interface FunctionDropFacts { labels: LabelCode[]; gotos: GotoFact[]; frees: FreeCall[] }

interface ReasonStore { variable: string; value: string; at: number; blockStart: number; blockEnd: number }
interface RawFree { name: string; line: number; at: number; constant?: string; variable?: string }

export function analyseFunction(fn: Node, text: string, k: DropKnowledge): FunctionDropFacts {
  const labels: Array<{ label: string; line: number; node: Node }> = [];
  const gotos: Array<{ label: string; line: number; at: number; node: Node }> = [];
  const frees: RawFree[] = [];
  const stores: ReasonStore[] = [];
  walk(fn, (n) => {
    switch (n.type) {
      case 'labeled_statement': {
        const l = n.childForFieldName('label');
        if (l) labels.push({ label: l.text, line: n.startPosition.row + 1, node: n });
        break;
      }
      case 'goto_statement': {
        const l = n.childForFieldName('label');
        if (l) gotos.push({ label: l.text, line: n.startPosition.row + 1, at: n.startIndex, node: n });
        break;
      }
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
  frees.sort((a, b) => a.at - b.at);
  /** The reason a variable holds at `at`: the last store before it in a block that encloses it. */
  const reasonOf = (variable: string, at: number): string | null => {
    let best: ReasonStore | undefined;
    for (const s of stores) {
      if (s.variable === variable && s.at < at && s.blockStart <= at && at < s.blockEnd && (!best || s.at > best.at)) best = s;
    }
    return best?.value ?? null;
  };
  /** A reason stored by the label's own code before the free at `at` (`short_packet: reason = X; goto drop;`). */
  const storedInLabel = (segments: Segment[], variable: string, at: number): string | null => {
    let value: string | null = null;
    for (const g of segments) {
      for (const st of stores) if (st.variable === variable && st.at >= g.start && st.at < g.end && (st.at < at || !(at >= g.start && at < g.end))) value = st.value;
      if (at >= g.start && at < g.end) break;
    }
    return value;
  };
  /** Gotos that end a label's code (`csum_error: ...; goto drop;`): part of that label's path, not sites of their own. */
  const chained = new Set<number>();
  const labelNodes = new Map<string, Node>();
  for (const l of labels) labelNodes.set(l.label, l.node);
  const inside = (segs: Segment[], at: number) => segs.some((g) => at >= g.start && at < g.end);
  const codes: LabelCode[] = labels.map((l) => {
    const segments = labelCode(l.node, labelNodes, chained);
    return { label: l.label, line: l.line, segments, fallsInto: fallsInto(l.node), frees: frees.filter((f) => inside(segments, f.at)).map((f) => ({ name: f.name, line: f.line, at: f.at, reason: f.constant ?? null })) };
  });
  const gotoFacts: GotoFact[] = gotos.filter((g) => !chained.has(g.at)).map((g) => {
    const code = codes.find((c) => c.label === g.label);
    // The reason passed at the label: a constant, or the variable's value at the goto.
    let reason: string | null = null;
    let reasonVariable: string | undefined;
    for (const f of code ? frees.filter((x) => inside(code.segments, x.at)) : []) {
      reason = f.constant ?? (f.variable ? storedInLabel(code!.segments, f.variable, f.at) ?? reasonOf(f.variable, g.at) : null);
      if (f.variable) reasonVariable = f.variable;
      if (reason) break;
    }
    const guard = guardOf(g.node, fn, text);
    return { label: g.label, line: g.line, at: g.at, reason, ...(reasonVariable ? { reasonVariable } : {}),
      ...(guard ? { condition: guard.text, conditionLine: guard.line, branchLine: guard.branchLine } : {}) };
  });
  const direct = frees.map((f) => ({ name: f.name, line: f.line, at: f.at, reason: f.constant ?? (f.variable ? reasonOf(f.variable, f.at) : null) }));
  return { labels: codes, gotos: gotoFacts, frees: direct };
}

/** Where a store is in effect: its enclosing block, or only its own statement when that is an unbraced if/else body. */
function blockOf(n: Node): { blockStart: number; blockEnd: number } {
  let stmt: Node = n;
  while (stmt.parent && !stmt.type.endsWith('statement') && stmt.type !== 'declaration') stmt = stmt.parent;
  while (stmt.parent?.type === 'labeled_statement') stmt = stmt.parent;
  const p = stmt.parent;
  return p && p.type === 'compound_statement' ? { blockStart: p.startIndex, blockEnd: p.endIndex } : { blockStart: stmt.startIndex, blockEnd: stmt.endIndex };
}

/**
 * The condition of the nearest `if` the goto is under (negated in the else branch), the line it
 * starts on, and the first line of the branch's code: the lines from there to the goto run only on
 * the way to it (a probe point for the goto when the goto line itself has no code).
 */
function guardOf(g: Node, fn: Node, text: string): { text: string; line: number; branchLine: number } | undefined {
  let child: Node = g;
  for (let p = g.parent; p && p.id !== fn.id; child = p, p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const cond = p.childForFieldName('condition');
    if (!cond) return undefined;
    let t = oneLine(text.slice(cond.startIndex, cond.endIndex));
    if (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
    const alt = p.childForFieldName('alternative');
    const negated = !!alt && alt.id === child.id;
    // child is the branch (a block, an else clause or the goto itself); its first statement starts the code.
    let first: Node = child;
    while (first.type === 'compound_statement' || first.type === 'else_clause') {
      const inner = first.namedChildren.find((c): c is Node => !!c && c.type !== 'comment');
      if (!inner) break;
      first = inner;
    }
    return { text: negated ? `!(${t})` : t, line: cond.startPosition.row + 1, branchLine: first.startPosition.row + 1 };
  }
  return undefined;
}

/** Statements run from a label: straight on to a return, following gotos, skipping statements with their own exits. */
function labelCode(label: Node, labels: Map<string, Node>, chained: Set<number>): Segment[] {
  const out: Segment[] = [];
  const seen = new Set<number>();
  let from: Node | undefined = label;
  while (from && !seen.has(from.id)) {
    seen.add(from.id);
    const siblings = from.parent?.namedChildren.filter((c): c is Node => !!c) ?? [from];
    let next: Node | undefined;
    for (let i = siblings.findIndex((c) => c.id === from!.id); i >= 0 && i < siblings.length; i++) {
      let s = siblings[i];
      while (s.type === 'labeled_statement' && s.lastNamedChild) s = s.lastNamedChild;
      if (s.type === 'comment') continue;
      if (s.type === 'goto_statement') {
        chained.add(s.startIndex);
        next = labels.get(s.childForFieldName('label')?.text ?? '');
        break;
      }
      if (s.type !== 'return_statement' && hasExit(s)) continue;
      out.push({ start: s.startIndex, end: s.endIndex, startLine: s.startPosition.row + 1, endLine: s.endPosition.row + 1 });
      if (s.type === 'return_statement') break;
    }
    from = next;
  }
  return out;
}

const EXITS = new Set(['return_statement', 'goto_statement', 'break_statement', 'continue_statement']);

/** Whether the statement before a label can run on into it. */
function fallsInto(label: Node): boolean {
  let prev = label.previousNamedSibling;
  while (prev && prev.type === 'comment') prev = prev.previousNamedSibling;
  if (!prev) return label.parent?.type === 'compound_statement';
  while (prev.type === 'labeled_statement' && prev.lastNamedChild) prev = prev.lastNamedChild;
  return !EXITS.has(prev.type);
}

function hasExit(n: Node): boolean {
  let found = false;
  walk(n, (c) => {
    if (found) return false;
    if (c.type === 'return_statement' || c.type === 'goto_statement') found = true;
  });
  return found;
}
