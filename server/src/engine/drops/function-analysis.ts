// What one function's syntax tree says about drops: where each label's code runs until the
// next return, the frees in it, each goto's guarding condition, and which SKB_DROP_REASON_*
// value reaches each goto or free. Pure: works on a tree the caller owns.
import type { Node } from 'web-tree-sitter';
import { oneLine, walk } from './source-parser';
import type { DropKnowledge } from './knowledge';
import type { PossibleReasons } from './types';

export interface FreeCall { name: string; line: number; at: number; reason: string | null; reasons?: PossibleReasons }

/** A stretch of a label's code, as offsets and 1-based lines. */
export interface Segment { start: number; end: number; startLine: number; endLine: number }
export interface LabelCode {
  label: string;
  line: number;
  /**
   * The line the label's own statement starts on (`inhdr_error:` at 547, its `if` at 548). GCC may
   * keep no DWARF label for it, and a probe then goes on this line (probes/points.ts).
   */
  bodyLine: number;
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
  label: string; line: number; at: number; condition?: string; reason: string | null; reasons?: PossibleReasons;
  /** Where the guarding `if`'s condition starts, and the first line of the branch the goto is in. */
  conditionLine?: number; branchLine?: number;
  /** The variable the label's free reads the reason from (`drop_reason`), when it is a variable. */
  reasonVariable?: string;
}
export interface FunctionDropFacts { labels: LabelCode[]; gotos: GotoFact[]; frees: FreeCall[] }

/** A store into a variable that may carry a reason: its constants, or the call it came from. */
interface ReasonStore { variable: string; values: string[]; call?: string; at: number; blockStart: number; blockEnd: number; exits: boolean }
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
        // `reason |= ...` and friends are not stores of a reason.
        if ((n.childForFieldName('operator')?.text ?? '=') !== '=') break;
        const store = left?.type === 'identifier' && right ? reasonStore(left.text, right, k.reasonPrefix) : undefined;
        if (store) stores.push({ ...store, at: n.startIndex, ...blockOf(n) });
        break;
      }
      case 'init_declarator': {
        const d = n.childForFieldName('declarator');
        const v = n.childForFieldName('value');
        const store = d?.type === 'identifier' && v ? reasonStore(d.text, v, k.reasonPrefix) : undefined;
        if (store) stores.push({ ...store, at: n.startIndex, ...blockOf(n) });
        break;
      }
    }
  });
  frees.sort((a, b) => a.at - b.at);
  /**
   * The reasons a variable may hold at `at`, by reaching stores: the last store before it in a
   * block that encloses it, and the stores after that one (or all before `at`, when there is
   * none) in blocks that do not enclose it (branches that may or may not have run).
   */
  const reasonsAt = (variable: string, at: number): { reason: string | null; reasons?: PossibleReasons } => {
    const before = stores.filter((s) => s.variable === variable && s.at < at);
    const encloses = (s: ReasonStore) => s.blockStart <= at && at < s.blockEnd;
    let last: ReasonStore | undefined;
    for (const s of before) if (encloses(s) && (!last || s.at > last.at)) last = s;
    const reaching = [...(last ? [last] : []), ...before.filter((s) => !encloses(s) && !s.exits && (!last || s.at > last.at))];
    const values = [...new Set(reaching.flatMap((s) => s.values))];
    const computed = [...new Set(reaching.flatMap((s) => (s.call ? [s.call] : [])))];
    if (values.length === 1 && !computed.length) return { reason: values[0] };
    if (!values.length) return { reason: null };
    return { reason: null, reasons: { values: values.sort(), ...(computed.length ? { computed } : {}) } };
  };
  /** A reason stored by the label's own code before the free at `at` (`short_packet: reason = X; goto drop;`). */
  const storedInLabel = (segments: Segment[], variable: string, at: number): string | null => {
    let value: string | null = null;
    for (const g of segments) {
      for (const st of stores) if (st.variable === variable && st.at >= g.start && st.at < g.end && (st.at < at || !(at >= g.start && at < g.end))) value = st.values.length === 1 && !st.call ? st.values[0] : null;
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
    let body: Node = l.node;
    while (body.type === 'labeled_statement' && body.lastNamedChild) body = body.lastNamedChild;
    return { label: l.label, line: l.line, bodyLine: body.startPosition.row + 1, segments, fallsInto: fallsInto(l.node), frees: frees.filter((f) => inside(segments, f.at)).map((f) => ({ name: f.name, line: f.line, at: f.at, reason: f.constant ?? null })) };
  });
  const gotoFacts: GotoFact[] = gotos.filter((g) => !chained.has(g.at)).map((g) => {
    const code = codes.find((c) => c.label === g.label);
    // The reason passed at the label: a constant, or the variable's value at the goto.
    let reason: string | null = null;
    let reasons: PossibleReasons | undefined;
    let reasonVariable: string | undefined;
    for (const f of code ? frees.filter((x) => inside(code.segments, x.at)) : []) {
      reason = f.constant ?? (f.variable ? storedInLabel(code!.segments, f.variable, f.at) : null);
      if (!reason && f.variable) ({ reason, reasons } = reasonsAt(f.variable, g.at));
      if (f.variable) reasonVariable = f.variable;
      if (reason || reasons) break;
    }
    const guard = guardOf(g.node, fn, text);
    return { label: g.label, line: g.line, at: g.at, reason, ...(reasons ? { reasons } : {}), ...(reasonVariable ? { reasonVariable } : {}),
      ...(guard ? { condition: guard.text, conditionLine: guard.line, branchLine: guard.branchLine } : {}) };
  });
  const direct: FreeCall[] = frees.map((f) => ({ name: f.name, line: f.line, at: f.at, ...(f.constant ? { reason: f.constant } : f.variable ? reasonsAt(f.variable, f.at) : { reason: null }) }));
  return { labels: codes, gotos: gotoFacts, frees: direct };
}

/**
 * A store into `variable` that may carry a drop reason: the reason constants its value names
 * (`SKB_DROP_REASON_X`, either arm of a `?:`), or the call it comes from when the variable looks
 * like a reason (`drop_reason = tcp_inbound_hash(...)`). Other stores are not reasons.
 */
function reasonStore(variable: string, value: Node, prefix: string): { variable: string; values: string[]; call?: string } | undefined {
  const values = [...new Set(value.text.match(new RegExp(`\\b${prefix}\\w+`, 'g')) ?? [])];
  if (values.length) return { variable, values };
  if (!/reason/i.test(variable)) return undefined;
  const callee = value.type === 'call_expression' ? value.childForFieldName('function') : null;
  return callee?.type === 'identifier' ? { variable, values: [], call: callee.text } : { variable, values: [] };
}

/** Where a store is in effect: its enclosing block, or only its own statement when that is an unbraced if/else body. */
function blockOf(n: Node): { blockStart: number; blockEnd: number; exits: boolean } {
  let stmt: Node = n;
  while (stmt.parent && !stmt.type.endsWith('statement') && stmt.type !== 'declaration') stmt = stmt.parent;
  while (stmt.parent?.type === 'labeled_statement') stmt = stmt.parent;
  const p = stmt.parent;
  if (!p || p.type !== 'compound_statement') return { blockStart: stmt.startIndex, blockEnd: stmt.endIndex, exits: false };
  // `{ reason = X; goto drop; }`: the store reaches only that goto, not the code after the block.
  const exits = p.namedChildren.some((c) => !!c && c.startIndex > stmt.startIndex && JUMPS.has(c.type));
  return { blockStart: p.startIndex, blockEnd: p.endIndex, exits };
}
const JUMPS = new Set(['goto_statement', 'return_statement', 'break_statement', 'continue_statement']);

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
