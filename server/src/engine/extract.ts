// Turns the matches of queries/facts.scm over one parse tree into FileFacts.
// Pure: no I/O, no vscode. The caller owns the tree and deletes it.
//
// Pass 1 collects raw matches (the query engine returns them roughly, not strictly, in
// document order); pass 2 attributes them to their enclosing function and classifies
// calls once each function's parameters and locals are all known.
import type { SyntaxMatch as QueryMatch, SyntaxNode as Node, SyntaxQuery as Query, SyntaxTree as Tree } from './syntax';
import type { Knowledge } from './knowledge';
import { splitArgs, type ArgText } from './args-text';
import {
  FN_INLINE, FN_STATIC, type AddressTaken, type CallSite, type EnumDef, type FieldCopy, type FileFacts, type FunctionDef,
  type GotoSite, type Increment, type LabelDef, type MacroCall, type MibItem, type OtherDef, type StructDef,
} from './types';

const C_KEYWORDS = new Set([
  'if', 'else', 'for', 'while', 'do', 'switch', 'case', 'default', 'return', 'goto', 'break', 'continue',
  'sizeof', 'typeof', 'struct', 'union', 'enum', 'static', 'inline', 'const', 'volatile', 'extern',
  'register', 'auto', 'void', 'int', 'char', 'long', 'short', 'unsigned', 'signed', 'float', 'double',
  'typedef', '_Bool', 'bool', 'asm', '__asm__', 'restrict', 'defined',
]);
const IDENT = /^[A-Za-z_]\w*$/;
const ALL_CAPS = /^[A-Z0-9_]+$/;
const MAX_TEXT = 160;

export interface ExtractInput {
  tree: Tree;
  /** The text the tree was parsed from (annotations blanked; same offsets as original). */
  parsed: string;
  /** The original text: signatures show it. */
  original: string;
  /** Annotation macros blanked before parsing, with their offsets. */
  annotations: Array<{ name: string; index: number }>;
  query: Query;
  loadsQuery: Query;
  knowledge: Knowledge;
}

export type ExtractedFacts = Omit<FileFacts, 'path' | 'mtimeMs' | 'size'>;

interface RawCall { at: number; kind: 'direct' | 'field' | 'other'; name: string; line: number; col: number; argsAt: number; receiver?: string; op?: '->' | '.' }
interface RawName { at: number; name: string }
interface ParamInfo { name: string; struct?: string; callback?: boolean }
interface Located { at: number }
interface FnRange { start: number; bodyStart: number; end: number; node: Node }
interface Container<T> { start: number; end: number; value: T }

const IDENT_AT = /[A-Za-z_]\w*/y;

export function extractFacts(input: ExtractInput): ExtractedFacts {
  const { tree, parsed, original, annotations, query, knowledge } = input;
  const sections = new Set(knowledge.sectionAnnotations);
  const storeMacros = new Set(knowledge.storeMacros);
  const wrappers = new Set(knowledge.valueWrappers);
  /** Identifier starting at a captured node: read from the text, not from wasm. */
  const nameAt = (n: Node): string => {
    IDENT_AT.lastIndex = n.startIndex;
    return IDENT_AT.exec(parsed)?.[0] ?? '';
  };

  const fnNodes: Node[] = [];
  const defs: OtherDef[] = [];
  const mibItems: MibItem[] = [];
  const structRanges: Array<Container<StructDef>> = [];
  const enumRanges: Array<Container<EnumDef>> = [];
  const rawFields: Array<Located & { name: string; type: Node; line: number; fnPtr: boolean }> = [];
  const rawEnumerators: Array<Located & { name: string; line: number }> = [];
  const rawComments: Node[] = [];
  const declared: Array<RawName & { variable: boolean; line: number; col: number }> = [];
  const paramLists: Array<{ at: number; params: ParamInfo[] }> = [];
  const typedLocals: Array<RawName & { struct: string }> = [];
  const rawCalls: RawCall[] = [];
  const rawGotos: Array<Located & { label: string; line: number; col: number }> = [];
  const rawLabels: Array<Located & { label: string; line: number; col: number }> = [];
  const rawAddr: Array<Located & Omit<AddressTaken, 'fn'>> = [];
  const rawIncrements: Array<Located & Omit<Increment, 'fn'>> = [];
  const rawCopies: Array<Located & Omit<FieldCopy, 'fn'>> = [];
  const rawLocalFns: Array<Located & { variable: string; name: string }> = [];
  const rawReturns: Array<Located & { name: string; line: number; col: number }> = [];
  const initSeen = new Map<number, Omit<AddressTaken, 'fn'>>();
  let parseErrors = 0; // 1 when the tree has any ERROR or MISSING node

  for (const m of query.matches(tree.rootNode)) {
    const c = captureMap(m);
    if (c['call.direct']) {
      const n = c['call.direct'];
      const name = nameAt(n);
      rawCalls.push({ at: n.startIndex, kind: 'direct', name, line: row(n), col: col(n), argsAt: n.startIndex + name.length });
    } else if (c.params) {
      paramLists.push({ at: c.params.startIndex, params: splitArgs(parsed, c.params.startIndex).map((a) => paramInfo(a.text, knowledge.callbackParam)) });
    } else if (c['local.typed']) {
      typedLocals.push({ at: c['local.typed'].startIndex, name: nameAt(c['local.typed']), struct: nameAt(c['local.struct']) });
    } else if (c['decl.name'] || c['decl.var']) {
      const n = c['decl.name'] ?? c['decl.var'];
      declared.push({ at: n.startIndex, name: nameAt(n), line: row(n), col: col(n), variable: !!c['decl.var'] });
    } else if (c.function) {
      fnNodes.push(c.function);
    } else if (c['field.name'] || c['field.fnptr']) {
      const n = c['field.name'] ?? c['field.fnptr'];
      rawFields.push({ at: n.startIndex, name: nameAt(n), type: c['field.type'], line: row(n), fnPtr: !!c['field.fnptr'] });
    } else if (c['call.field']) {
      const f = c['call.field'];
      const r = c['call.receiver'];
      const name = nameAt(f);
      const op = operatorBefore(parsed, f.startIndex);
      const wrapped = c['call.wrapped'];
      // `READ_ONCE(sk->f)(args)`: the argument list follows the wrapper's closing parenthesis.
      if (wrapped && !wrappers.has(nameAt(c['call.wrapper']))) continue;
      rawCalls.push({ at: r.startIndex, kind: 'field', name, line: row(r), col: col(r), argsAt: wrapped ? wrapped.endIndex : f.startIndex + name.length,
        receiver: clip(parsed.slice(r.startIndex, op.index)), op: op.op });
    } else if (c['call.other']) {
      const o = c['call.other'];
      const args = c['call.args'];
      const inner = unwrapParenCallee(parsed.slice(o.startIndex, args.startIndex));
      const kind = IDENT.test(inner) ? 'direct' : 'other';
      rawCalls.push({ at: o.startIndex, kind, name: kind === 'direct' ? inner : clip(inner), line: row(o), col: col(o), argsAt: args.startIndex });
    } else if (c['inc.field']) {
      const f = c['inc.field'];
      const u = c['inc.update'];
      if (u && (parsed.startsWith('--', u.startIndex) || parsed.startsWith('--', u.endIndex - 2))) continue;
      const r = c['inc.receiver'];
      rawIncrements.push({ at: f.startIndex, kind: 'field', name: nameAt(f), line: row(f), col: col(f), via: u ? '++' : '+=',
        receiver: clip(parsed.slice(r.startIndex, operatorBefore(parsed, f.startIndex).index)) });
    } else if (c['goto.label']) {
      const l = c['goto.label'];
      rawGotos.push({ at: l.startIndex, label: nameAt(l), line: row(l), col: col(l) });
    } else if (c['label.name']) {
      const l = c['label.name'];
      rawLabels.push({ at: l.startIndex, label: nameAt(l), line: row(l), col: col(l) });
    } else if (c['init.value']) {
      const v = c['init.value'];
      // The same value matches the typed patterns and the untyped one, in no set order: keep
      // the record that knows the struct.
      const seen = initSeen.get(v.startIndex);
      if (seen && (seen.struct || !c['init.struct'])) continue;
      const name = functionValue(parsed, v.startIndex);
      if (!name) continue;
      const target = c['init.target'] ? declaratorIdentifier(c['init.target']) : undefined;
      // One level down: `.callbacks = { .gro_receive = f }` names the inner field within `callbacks`;
      // `.hooks = { [NF_INET_LOCAL_IN] = f }` stores into `hooks` itself.
      const outer = c['init.outer'] ? nameAt(c['init.outer']) : undefined;
      const field = c['init.field'] ? nameAt(c['init.field']) : outer!;
      const rec: Located & Omit<AddressTaken, 'fn'> = { at: v.startIndex, name, ctx: 'init', line: row(v), col: col(v), field,
        ...(c['init.struct'] ? { struct: nameAt(c['init.struct']) } : {}), ...(target ? { target } : {}),
        ...(outer && c['init.field'] ? { within: outer } : {}) };
      if (seen) Object.assign(seen, rec);
      else rawAddr.push(rec);
      initSeen.set(v.startIndex, seen ?? rec);
    } else if (c['assign.value']) {
      const v = c['assign.value'];
      const name = functionValue(parsed, v.startIndex);
      if (!name) continue;
      const f = c['assign.field'];
      const t = c['assign.target'];
      rawAddr.push({ at: v.startIndex, name, ctx: 'assign', line: row(v), col: col(v), field: nameAt(f),
        target: clip(parsed.slice(t.startIndex, operatorBefore(parsed, f.startIndex).index)) });
    } else if (c['copy.field']) {
      const t = c['copy.target'];
      const f = c['copy.field'];
      const src = c['copy.source'];
      const from = c['copy.from'];
      rawCopies.push({ at: t.startIndex, line: row(t), col: col(t), field: nameAt(f), from: nameAt(from),
        target: clip(parsed.slice(t.startIndex, operatorBefore(parsed, f.startIndex).index)),
        source: clip(parsed.slice(src.startIndex, operatorBefore(parsed, from.startIndex).index)) });
    } else if (c['lassign.var']) {
      const name = functionValue(parsed, c['lassign.value'].startIndex);
      if (name) rawLocalFns.push({ at: c['lassign.var'].startIndex, variable: nameAt(c['lassign.var']), name });
    } else if (c['return.value']) {
      const v = c['return.value'];
      const name = functionValue(parsed, v.startIndex);
      if (name) rawReturns.push({ at: v.startIndex, name, line: row(v), col: col(v) });
    } else if (c['enumerator']) {
      const n = c['enumerator'];
      rawEnumerators.push({ at: n.startIndex, name: nameAt(n), line: row(n) });
      // A definition of its own too, of named and anonymous enums alike: Go to Definition on
      // SKB_DROP_REASON_SOCKET_RCVBUFF or UDP_MIB_RCVBUFERRORS (an anonymous enum) lands on it.
      defs.push({ name: nameAt(n), kind: 'enumerator', line: row(n), col: col(n), endLine: row(n) });
    } else if (c['enumerator.comment']) {
      rawComments.push(c['enumerator.comment']);
    } else if (c['mib.const']) {
      mibItems.push({ table: nameAt(c['mib.table']), name: c['mib.name'].text, mib: nameAt(c['mib.const']), line: row(c['mib.const']) });
    } else if (c['struct.name'] || c['union.name']) {
      const kind = c['struct.name'] ? 'struct' : 'union';
      const n = c['struct.name'] ?? c['union.name'];
      const body = c['struct.body'] ?? c['union.body'];
      const name = nameAt(n);
      const end = body.endIndex;
      defs.push({ name, kind, line: row(n), col: col(n), endLine: lineOf(parsed, end, row(n), n.startIndex) });
      structRanges.push({ start: body.startIndex, end, value: { name, kind, line: row(n), fields: [] } });
    } else if (c['enum.name']) {
      const n = c['enum.name'];
      const body = c['enum.body'];
      const name = nameAt(n);
      const end = body.endIndex;
      defs.push({ name, kind: 'enum', line: row(n), col: col(n), endLine: lineOf(parsed, end, row(n), n.startIndex) });
      enumRanges.push({ start: body.startIndex, end, value: { name, line: row(n), items: [] } });
    } else if (c['typedef.name']) {
      const n = c['typedef.name'];
      defs.push({ name: nameAt(n), kind: 'typedef', line: row(n), col: col(n), endLine: row(n) });
    }
  }
  if (tree.rootNode.hasError) parseErrors = 1;
  defineScan(parsed, defs);

  // ---- pass 2: functions, then everything attributed to them
  const functions: FunctionDef[] = [];
  const ranges: FnRange[] = [];
  fnNodes.sort((a, b) => a.startIndex - b.startIndex);
  for (const node of fnNodes) {
    const body = node.childForFieldName('body');
    if (!body) continue;
    const r: FnRange = { start: node.startIndex, bodyStart: body.startIndex, end: node.endIndex, node };
    // Error recovery can nest a bogus definition inside another: keep the outer one.
    if (ranges.length && r.start < ranges[ranges.length - 1].end) continue;
    const def = functionDef(node, body, original, annotations, sections);
    if (!def) continue;
    functions.push(def);
    ranges.push(r);
  }
  const fnAt = (at: number, includeHeader = false): number => {
    let lo = 0, hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = ranges[mid];
      if (at < (includeHeader ? r.start : r.bodyStart)) hi = mid - 1;
      else if (at >= r.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  };

  const locals: Array<Set<string>> = ranges.map(() => new Set());
  /** Parameters that may hold a function: only these are followed through stores and calls. */
  const callbacks: Array<Set<string>> = ranges.map(() => new Set());
  for (const pl of paramLists) {
    const i = fnAt(pl.at, true);
    if (i < 0 || functions[i].params) continue;
    functions[i].params = pl.params.map((p) => p.name);
    for (const p of pl.params) {
      if (!p.name) continue;
      locals[i].add(p.name);
      if (p.callback) callbacks[i].add(p.name);
      if (p.struct) (functions[i].vars ??= {})[p.name] = p.struct;
    }
  }
  const globalTypes = new Map<string, string>();
  for (const t of typedLocals) {
    const i = fnAt(t.at);
    if (i >= 0) (functions[i].vars ??= {})[t.name] = t.struct;
    else globalTypes.set(t.name, t.struct);
  }
  const declaredGlobals = new Set<string>();
  for (const d of declared) {
    const i = fnAt(d.at);
    if (i >= 0) locals[i].add(d.name);
    else if (d.variable || globalTypes.has(d.name)) {
      // A file-scope variable of struct type keeps its type: `subflow_specific.conn_request = f`
      // then flows into that struct's field.
      if (declaredGlobals.has(d.name)) continue;
      declaredGlobals.add(d.name);
      const type = globalTypes.get(d.name);
      defs.push({ name: d.name, kind: 'variable', line: d.line, col: d.col, endLine: d.line, ...(type ? { type } : {}) });
    }
  }
  /** Functions each local function pointer was given in its function: fn index -> local -> names. */
  const localFns = new Map<number, Map<string, Set<string>>>();
  for (const l of rawLocalFns) {
    const i = fnAt(l.at);
    if (i < 0 || !locals[i].has(l.variable) || locals[i].has(l.name)) continue;
    let byVar = localFns.get(i);
    if (!byVar) localFns.set(i, (byVar = new Map()));
    let names = byVar.get(l.variable);
    if (!names) byVar.set(l.variable, (names = new Set()));
    names.add(l.name);
  }

  const lines = lineStarts(parsed);
  const calls: CallSite[] = [];
  const addressTaken: AddressTaken[] = [];
  const macroCalls: MacroCall[] = [];
  const variableCalls: Array<{ call: CallSite; at: number }> = [];
  const increments: Increment[] = [];
  for (const r of rawIncrements) {
    const { at, ...rest } = r;
    const fn = fnAt(at);
    if (fn >= 0) increments.push({ fn, ...rest });
  }
  for (const rc of rawCalls) {
    const fn = fnAt(rc.at);
    const argList = argsAfter(parsed, rc.argsAt);
    if (!argList) continue; // not followed by an argument list: not a call we can describe
    if (rc.kind === 'direct' && knowledge.dispatchMacros.test(rc.name)) {
      macroCalls.push({ fn, macro: rc.name, line: rc.line, col: rc.col, args: argList.map((a) => clip(a.text)) });
      continue;
    }
    if (rc.kind === 'direct' && storeMacros.has(rc.name)) {
      noteStore(rc, argList, fn, callbacks[fn], addressTaken);
      // `WRITE_ONCE(udp_sk(sk)->encap_rcv, cfg->encap_rcv)` copies a field like an assignment does.
      const to = argList.length === 2 ? FIELD_OF.exec(argList[0].text) : null;
      const from = to ? FIELD_OF.exec(argList[1].text) : null;
      if (to && from) rawCopies.push({ at: rc.at, line: rc.line, col: rc.col, target: clip(to[1]), field: to[3], source: clip(from[1]), from: from[3] });
    }
    if (rc.kind === 'direct' && fn >= 0) noteIncrement(rc, argList, knowledge, fn, increments);
    noteArgs(rc.kind === 'direct' ? rc.name : undefined, argList, lines, fn, locals[fn], callbacks[fn], localFns.get(fn), addressTaken);
    if (fn < 0) continue;
    const kind = rc.kind === 'direct' && locals[fn].has(rc.name) ? 'variable' : rc.kind;
    const call: CallSite = { fn, kind, name: rc.name, line: rc.line, col: rc.col, args: argList.length };
    if (rc.receiver !== undefined) call.receiver = rc.receiver;
    if (rc.op) call.op = rc.op;
    calls.push(call);
    if (kind === 'variable') variableCalls.push({ call, at: rc.at });
  }
  if (variableCalls.length) resolveLoads(input, ranges, variableCalls);

  const gotos: GotoSite[] = [];
  for (const g of rawGotos) {
    const fn = fnAt(g.at);
    if (fn >= 0) gotos.push({ fn, label: g.label, line: g.line, col: g.col });
  }
  const labels: LabelDef[] = [];
  for (const l of rawLabels) {
    const fn = fnAt(l.at);
    if (fn >= 0) labels.push({ fn, label: l.label, line: l.line, col: l.col });
  }
  for (const a of rawAddr) {
    const { at, ...rest } = a;
    const fn = fnAt(at);
    const isParam = fn >= 0 && rest.ctx === 'assign' && callbacks[fn].has(rest.name);
    addressTaken.push({ ...rest, fn, ...(isParam ? { param: 1 } : {}) });
  }
  for (const r of rawReturns) {
    const fn = fnAt(r.at);
    if (fn < 0 || locals[fn].has(r.name)) continue;
    addressTaken.push({ name: r.name, ctx: 'return', line: r.line, col: r.col, fn });
  }
  const copies: FieldCopy[] = [];
  for (const r of rawCopies) {
    const { at, ...rest } = r;
    const fn = fnAt(at);
    if (fn >= 0) copies.push({ fn, ...rest });
  }
  const structs = attachFields(structRanges, rawFields, parsed);
  const enums = attachEnumerators(enumRanges, rawEnumerators, rawComments);
  const byPos = <T extends { line: number; col: number }>(x: T, y: T) => x.line - y.line || x.col - y.col;
  calls.sort(byPos);
  addressTaken.sort(byPos);
  increments.sort(byPos);
  copies.sort(byPos);
  return { functions, defs, calls, gotos, labels, addressTaken, copies, macroCalls, mibItems, increments, enums, structs, parseErrors };
}

// ---------- helpers ----------

function captureMap(m: QueryMatch): Record<string, Node> {
  const out: Record<string, Node> = {};
  for (const c of m.captures) out[c.name] ??= c.node;
  return out;
}

function row(n: Node): number {
  return n.startPosition.row + 1;
}
function col(n: Node): number {
  return n.startPosition.column;
}
export function clip(s: string): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT) + '…' : t;
}

/** The `->` or `.` just before a field name (skipping whitespace), and where it starts. */
function operatorBefore(text: string, fieldStart: number): { op: '->' | '.'; index: number } {
  let i = fieldStart - 1;
  while (i > 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i--;
  return text[i] === '.' ? { op: '.', index: i } : { op: '->', index: i - 1 };
}

/** `(*fn)` and `(fn)` call `fn`. */
function unwrapParenCallee(text: string): string {
  let t = text.trim();
  for (let d = 0; d < 3 && t.startsWith('(') && t.endsWith(')'); d++) t = t.slice(1, -1).trim().replace(/^\*\s*/, '');
  return t;
}

/** A value that may name a function: `fn` or `&fn`. ALL_CAPS names are macros or constants. */
function functionValueText(text: string): string | undefined {
  const name = text.startsWith('&') ? text.slice(1).trim() : text;
  if (!IDENT.test(name) || ALL_CAPS.test(name) || C_KEYWORDS.has(name) || name === 'NULL') return undefined;
  return name;
}

/** The same, for a value node starting at `at` (an identifier or `&identifier`). */
function functionValue(text: string, at: number): string | undefined {
  let i = at;
  if (text[i] === '&') for (i++; text[i] === ' ' || text[i] === '\t'; i++);
  IDENT_AT.lastIndex = i;
  const m = IDENT_AT.exec(text);
  return m ? functionValueText(m[0]) : undefined;
}

/** Offsets where each line starts, for offset -> line/column. */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function positionOf(lines: number[], offset: number): { line: number; col: number } {
  let lo = 0, hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - lines[lo] };
}

/** 1-based line of `end`, counting newlines from a known (line, offset). */
function lineOf(text: string, end: number, line: number, from: number): number {
  let n = line;
  for (let i = text.indexOf('\n', from); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The argument list that follows a callee ending at `from`, or undefined if none does. */
function argsAfter(text: string, from: number): ArgText[] | undefined {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  if (text[i] !== '(') return undefined;
  return splitArgs(text, i);
}

/**
 * `rcu_assign_pointer(dev->rx_handler, rx_handler)` stores like an assignment does; the value
 * may be a parameter, which is how registration helpers are summarised.
 */
function noteStore(rc: { name: string; line: number; col: number }, args: ArgText[], fn: number, callbacks: Set<string> | undefined, out: AddressTaken[]) {
  if (args.length < 2) return;
  const m = /^(.*?)\s*(->|\.)\s*([A-Za-z_]\w*)$/.exec(args[0].text);
  const name = functionValueText(args[1].text);
  if (!m || !name) return;
  out.push({ name, ctx: 'assign', line: rc.line, col: rc.col, field: m[3], target: clip(m[1]), fn, ...(callbacks?.has(name) ? { param: 1 } : {}) });
}

const FIELD_OF = /^(.*?)\s*(->|\.)\s*([A-Za-z_]\w*)$/s;
const FIELD_ARG = /^&?\s*\(?\s*(.*?)\s*(->|\.)\s*([A-Za-z_]\w*)\s*\)?$/s;

/**
 * Calls that bump a counter, by kernel knowledge: `atomic_inc(&sk->sk_drops)`,
 * `DEV_STATS_INC(dev, rx_dropped)`, `dev_core_stats_rx_dropped_inc(dev)`,
 * `__UDP_INC_STATS(net, UDP_MIB_RCVBUFERRORS, lite)`.
 */
function noteIncrement(rc: { name: string; line: number; col: number }, args: ArgText[], knowledge: Knowledge, fn: number, out: Increment[]) {
  const k = knowledge.counters;
  const at = { fn, line: rc.line, col: rc.col, via: rc.name };
  if (k.mibMacros.test(rc.name)) {
    const mib = args.find((a) => k.mibConstant.test(a.text));
    if (mib) out.push({ ...at, kind: 'mib', name: mib.text });
  } else if (k.calls.test(rc.name)) {
    for (const a of args) {
      const m = FIELD_ARG.exec(a.text);
      if (m) {
        out.push({ ...at, kind: 'field', name: m[3], receiver: clip(m[1]) });
        return;
      }
    }
  } else if (Object.hasOwn(k.fieldMacros, rc.name)) {
    const f = args[k.fieldMacros[rc.name]]?.text;
    if (f && IDENT.test(f)) out.push({ ...at, kind: 'field', name: f, ...(args[0] ? { receiver: clip(args[0].text) } : {}) });
  } else {
    const named = k.namedCalls.exec(rc.name);
    if (named) out.push({ ...at, kind: 'field', name: named[1], ...(args[0] ? { receiver: clip(args[0].text) } : {}) });
  }
}

/** Name and pointed-to struct of one parameter's text: `struct sk_buff *skb`, `int (*okfn)(struct sk_buff *)`. */
export function paramInfo(text: string, callbackParam: RegExp): ParamInfo {
  const fnPtr = /\(\s*\*\s*([A-Za-z_]\w*)\s*\)/.exec(text);
  if (fnPtr) return { name: fnPtr[1], callback: true };
  const bare = text.replace(/\[[^\]]*\]\s*$/, '').trim();
  const last = /([A-Za-z_]\w*)$/.exec(bare);
  const idents = bare.match(/[A-Za-z_]\w*/g) ?? [];
  const struct = /^(?:const\s+|volatile\s+)*(?:struct|union)\s+([A-Za-z_]\w*)/.exec(bare)?.[1];
  const typeWords = struct ? 2 : 1;
  if (!last || idents.length <= typeWords || C_KEYWORDS.has(last[1]) || bare === '...') return { name: '' };
  if (struct) return { name: last[1], struct };
  // `rx_handler_func_t *rx_handler`: a pointer to a typedef'd function type, by kernel naming.
  return callbackParam.test(bare) ? { name: last[1], callback: true } : { name: last[1] };
}


const CALL_ARG = /^([a-z_]\w*)\s*\(/;

function noteArgs(callee: string | undefined, args: ArgText[], lines: number[], fn: number, locals: Set<string> | undefined,
  callbacks: Set<string> | undefined, localFns: Map<string, Set<string>> | undefined, out: AddressTaken[]) {
  for (let pos = 0; pos < args.length; pos++) {
    const text = args[pos].text;
    const name = functionValueText(text);
    if (!name) {
      // `br_get_rx_handler(dev)` as an argument of a named call: what that function returns is passed.
      const call = callee ? CALL_ARG.exec(text) : null;
      if (call && !C_KEYWORDS.has(call[1]) && text.endsWith(')') && !locals?.has(call[1])) {
        const { line, col } = positionOf(lines, args[pos].offset);
        out.push({ name: call[1], ctx: 'arg', line, col, fn, argPos: pos, callee, ret: 1 });
      }
      continue;
    }
    // Callback parameters are kept, marked, for registration summaries; a local function
    // pointer stands for the functions it was given; other locals are not functions.
    const isParam = callbacks?.has(name) ?? false;
    const { line, col } = positionOf(lines, args[pos].offset);
    if (locals?.has(name) && !isParam) {
      for (const given of localFns?.get(name) ?? []) out.push({ name: given, ctx: 'arg', line, col, fn, argPos: pos, ...(callee ? { callee } : {}) });
      continue;
    }
    if (isParam && !callee) continue;
    out.push({ name, ctx: 'arg', line, col, fn, argPos: pos, ...(callee ? { callee } : {}), ...(isParam ? { param: 1 } : {}) });
  }
}

/** The identifier a declarator declares, through pointers, arrays and parentheses. */
function declaratorIdentifier(node: Node): string | undefined {
  let n: Node | null = node;
  for (let depth = 0; n && depth < 8; depth++) {
    if (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'type_identifier') return n.text;
    n = n.type === 'parenthesized_declarator' ? n.firstNamedChild : (n.childForFieldName('declarator') ?? null);
  }
  return undefined;
}

function functionDef(node: Node, body: Node, original: string, annotations: ExtractInput['annotations'], sections: Set<string>): FunctionDef | undefined {
  // Find the function_declarator under pointer declarators (`struct sk_buff *foo(...)`).
  let fd: Node | null = node.childForFieldName('declarator');
  for (let d = 0; fd && fd.type !== 'function_declarator' && d < 8; d++) fd = fd.childForFieldName('declarator');
  if (!fd) return undefined;
  const nameNode = fd.childForFieldName('declarator');
  if (!nameNode) return undefined;
  const name = declaratorIdentifier(nameNode);
  // `#if ... else if (x) {` and other preprocessor splits make bogus definitions: drop them.
  if (!name || !IDENT.test(name) || C_KEYWORDS.has(name)) return undefined;
  const start = node.startIndex;
  const sigEnd = body.startIndex;
  const lineStart = original.lastIndexOf('\n', start - 1) + 1;
  const header = original.slice(lineStart, sigEnd);
  let flags = 0;
  if (/\bstatic\b/.test(header.slice(0, header.indexOf(name)))) flags |= FN_STATIC;
  if (/\b(inline|__inline__|__inline|__always_inline)\b/.test(header.slice(0, header.indexOf(name)))) flags |= FN_INLINE;
  const annots: string[] = [];
  for (const a of annotations) {
    if (a.index >= lineStart && a.index < sigEnd && sections.has(a.name) && !annots.includes(a.name)) annots.push(a.name);
  }
  const def: FunctionDef = {
    name,
    line: nameNode.startPosition.row + 1,
    col: nameNode.startPosition.column,
    endLine: node.endPosition.row + 1,
    flags,
    signature: clipSignature(header),
  };
  if (annots.length) def.annotations = annots;
  return def;
}

function clipSignature(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 400 ? t.slice(0, 400) + '…' : t;
}

/**
 * For calls through local variables, find the last assignment before the call and, when it
 * loads a field (through rcu_dereference() and friends), record it: the call graph resolves
 * the call through that field.
 */
function resolveLoads(input: ExtractInput, ranges: FnRange[], calls: Array<{ call: CallSite; at: number }>) {
  const wrappers = new Set(input.knowledge.valueWrappers);
  const byFn = new Map<number, Array<{ call: CallSite; at: number }>>();
  for (const c of calls) byFn.set(c.call.fn, [...(byFn.get(c.call.fn) ?? []), c]);
  for (const [fn, list] of byFn) {
    const r = ranges[fn];
    const loads: Array<{ at: number; name: string; value: Node }> = [];
    for (const m of input.loadsQuery.matches(r.node)) { // the function subtree only; range options count bytes, not characters
      const c = captureMap(m);
      if (c['load.var'] && c['load.value']) loads.push({ at: c['load.value'].startIndex, name: c['load.var'].text, value: c['load.value'] });
    }
    for (const { call, at } of list) {
      let best: { at: number; value: Node } | undefined;
      for (const l of loads) if (l.name === call.name && l.at < at && (!best || l.at > best.at)) best = l;
      const field = best ? loadedField(best.value, wrappers) : undefined;
      if (field) {
        call.loadedFrom = field.text;
        call.loadedField = field.field;
      }
    }
  }
}

function loadedField(value: Node, wrappers: Set<string>): { text: string; field: string } | undefined {
  let v: Node | null = value;
  for (let d = 0; v && d < 6; d++) {
    if (v.type === 'call_expression') {
      const callee = v.childForFieldName('function');
      const args = v.childForFieldName('arguments');
      if (callee?.type === 'identifier' && wrappers.has(callee.text) && args?.firstNamedChild) v = args.firstNamedChild;
      else return undefined;
    } else if (v.type === 'parenthesized_expression' || v.type === 'cast_expression') {
      v = v.childForFieldName('value') ?? v.lastNamedChild;
    } else break;
  }
  if (v?.type !== 'field_expression') return undefined;
  const field = v.childForFieldName('field');
  return field ? { text: clip(v.text), field: field.text } : undefined;
}

const CAST_MACRO = /^\([^)]*\)\s*\(?\s*container_of(?:_const)?\s*\([^,]+,\s*(?:const\s+)?struct\s+([A-Za-z_]\w*)/;
const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)/gm;

/** `#define NAME` lines, as macro definitions. */
function defineScan(text: string, defs: OtherDef[]): void {
  if (!text.includes('define')) return;
  let line = 1;
  let last = 0;
  DEFINE.lastIndex = 0;
  for (let m = DEFINE.exec(text); m; m = DEFINE.exec(text)) {
    for (let i = text.indexOf('\n', last); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
    last = m.index;
    const col = m.index - (text.lastIndexOf('\n', m.index - 1) + 1) + m[0].length - m[1].length;
    // `#define udp_sk(ptr) container_of_const(ptr, struct udp_sock, inet.sk)`: a call of the macro
    // yields that struct, which types receivers like `udp_sk(sk)->encap_rcv`.
    const eol = text.indexOf('\n', m.index);
    const cast = CAST_MACRO.exec(text.slice(m.index + m[0].length, eol < 0 ? undefined : Math.min(eol, m.index + 400)));
    defs.push({ name: m[1], kind: 'macro', line, col, endLine: line, ...(cast ? { type: cast[1] } : {}) });
  }
}

/** Innermost container (struct body, enum body) holding offset `at`. Containers sorted by start. */
function innermost<T>(list: Array<Container<T>>, at: number): Container<T> | undefined {
  let lo = 0, hi = list.length - 1, idx = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].start <= at) { idx = mid; lo = mid + 1; } else hi = mid - 1;
  }
  for (let i = idx; i >= 0; i--) if (at < list[i].end) return list[i];
  return undefined;
}

function attachFields(ranges: Array<Container<StructDef>>, fields: Array<{ at: number; name: string; type: Node; line: number; fnPtr: boolean }>, parsed: string): StructDef[] {
  ranges.sort((a, b) => a.start - b.start);
  for (const f of fields) {
    const s = innermost(ranges, f.at);
    if (!s) continue;
    // Type text runs from the type to the name: "struct net_device *", or "int (*" for a
    // function pointer, which is trimmed to the return type.
    let type = parsed.slice(f.type.startIndex, f.at).replace(/\s+/g, ' ').trim();
    if (f.fnPtr) type = type.replace(/\(\s*\*\s*$/, '').trim();
    s.value.fields.push({ name: f.name, type: clip(type), line: f.line, fnPtr: f.fnPtr });
  }
  return ranges.map((r) => r.value);
}

function attachEnumerators(ranges: Array<Container<EnumDef>>, items: Array<{ at: number; name: string; line: number }>, comments: Node[]): EnumDef[] {
  ranges.sort((a, b) => a.start - b.start);
  // A comment documents the enumerator that follows it in the same enum.
  const pending = new Map<EnumDef, { end: number; text: string }>();
  const events = [...items.map((i) => ({ at: i.at, item: i })), ...comments.map((c) => ({ at: c.startIndex, comment: c }))].sort((a, b) => a.at - b.at);
  for (const e of events) {
    const r = innermost(ranges, e.at);
    if (!r) continue;
    if ('comment' in e && e.comment) {
      pending.set(r.value, { end: e.comment.endIndex, text: e.comment.text });
    } else if ('item' in e && e.item) {
      const p = pending.get(r.value);
      pending.delete(r.value);
      r.value.items.push(p ? { name: e.item.name, line: e.item.line, comment: cleanComment(p.text) } : { name: e.item.name, line: e.item.line });
    }
  }
  return ranges.map((r) => r.value);
}

function cleanComment(c: string): string {
  return c.replace(/^\/\*+|\*+\/$/g, '').split('\n').map((l) => l.replace(/^\s*\*?\s?/, '')).join(' ').replace(/\s+/g, ' ').trim();
}
