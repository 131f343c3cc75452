// The counter map, read from the indexed tree: which /proc or /sys column shows which MIB
// constant or struct field. Nothing here is per kernel version: the SNMP_MIB_ITEM tables come
// from the index; their /proc file and line prefix, the softnet_stat columns, the
// /sys/class/net statistics names and the socket table columns from the printing code.
import type { Node } from 'web-tree-sitter';
import type { IndexView } from '../indexer';
import type { FileFacts } from '../types';
import type { CounterEntry } from './types';
import type { DropKnowledge, SockColumnsSource } from './knowledge';
import { functionNodeAt, walk, type SourceParser } from './source-parser';

export interface CounterMap {
  entries: CounterEntry[];
  byMib: Map<string, CounterEntry[]>;
  byField: Map<string, CounterEntry[]>;
  /** Entries whose field name is generic (`dropped`, `count`): only a receiver of their struct matches. */
  strict: WeakSet<CounterEntry>;
}

export async function buildCounterMap(index: IndexView, parser: SourceParser, k: DropKnowledge): Promise<CounterMap> {
  const entries: CounterEntry[] = [];
  const strict = new WeakSet<CounterEntry>();
  for (const src of k.mibSources) entries.push(...await mibEntries(index.files.get(src), parser, k));
  for (const e of await softnetEntries(index, parser, k)) {
    entries.push(e);
    if (e.struct) strict.add(e);
  }
  entries.push(...await sysfsEntries(index, parser, k));
  for (const s of k.sockColumns) {
    const e = await sockColumn(index, parser, k, s);
    if (e) entries.push(e);
  }
  const byMib = new Map<string, CounterEntry[]>();
  const byField = new Map<string, CounterEntry[]>();
  for (const e of entries) {
    if (e.mib) push(byMib, e.mib, e);
    if (e.field) push(byField, e.field, e);
  }
  return { entries, byMib, byField, strict };
}

function push<K, V>(m: Map<K, V[]>, key: K, v: V) {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

function isDrop(k: DropKnowledge, ...names: Array<string | undefined>): boolean {
  return names.some((n) => n !== undefined && k.dropCounter.test(n));
}

/** The unquoted content of a string literal or concatenation. */
function stringValue(n: Node): string {
  const parts: string[] = [];
  walk(n, (c) => {
    if (c.type === 'string_content' || c.type === 'escape_sequence') parts.push(c.text);
    return c.type !== 'string_content';
  });
  return parts.join('').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

function argsOf(call: Node): Node[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
}

function calleeName(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  return f?.type === 'identifier' ? f.text : undefined;
}

/**
 * SNMP_MIB_ITEM tables of one proc.c: each table's /proc file (the function printing it, or a
 * caller in the file, is registered with proc_create_net_single("snmp", ...)) and line prefix
 * (the "\nUdp:" literal printed before the table is named).
 */
async function mibEntries(facts: FileFacts | undefined, parser: SourceParser, k: DropKnowledge): Promise<CounterEntry[]> {
  if (!facts?.mibItems.length) return [];
  const tables = new Map<string, FileFacts['mibItems']>();
  for (const m of facts.mibItems) push(tables, m.table, m);
  const uses = await parser.with(facts.path, ({ root }) => {
    const registered = new Map<string, string>();
    walk(root, (n) => {
      if (n.type !== 'call_expression' || !k.procRegistrations.has(calleeName(n) ?? '')) return;
      const args = argsOf(n);
      const name = args.find((a) => a.type === 'string_literal');
      for (const a of args) if (a.type === 'identifier' && name) registered.set(a.text, stringValue(name));
    });
    const found: Array<{ fn: string; table: string; prefix?: string; line: number; named: boolean }> = [];
    for (const fn of facts.functions) {
      const node = functionNodeAt(root, fn.line);
      if (!node) continue;
      let prefix: string | undefined;
      walk(node, (n) => {
        if (n.type === 'string_literal') {
          const m = /^\n?(\w+):/.exec(stringValue(n));
          if (m) prefix = m[1];
          return false;
        }
        if (n.type === 'identifier' && tables.has(n.text)) {
          // `snmp4_udp_list[i].name` prints the header line: the prefix printed last is this table's.
          const named = n.parent?.type === 'subscript_expression' && n.parent.parent?.type === 'field_expression' && n.parent.parent.childForFieldName('field')?.text === 'name';
          found.push({ fn: fn.name, table: n.text, line: n.startPosition.row + 1, named, ...(prefix ? { prefix } : {}) });
        }
      });
    }
    // Where a table's header is printed by name, only those uses say which prefix it has.
    const hasNamed = new Set(found.filter((u) => u.named).map((u) => u.table));
    return { registered, found: found.filter((u) => u.named || !hasNamed.has(u.table)) };
  });
  if (!uses) return [];
  // Which registered show function reaches each function, through direct calls in this file.
  const callers = new Map<string, string[]>();
  for (const c of facts.calls) if (c.kind === 'direct' && facts.functions[c.fn]) push(callers, c.name, facts.functions[c.fn].name);
  const procFile = (fn: string): string | undefined => {
    const seen = new Set<string>();
    for (let todo = [fn]; todo.length;) {
      const f = todo.shift()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const name = uses.registered.get(f);
      if (name) return `/proc/net/${name}`;
      todo.push(...(callers.get(f) ?? []));
    }
    return undefined;
  };
  const out: CounterEntry[] = [];
  const seen = new Set<string>();
  for (const u of uses.found) {
    const file = procFile(u.fn);
    if (!file) continue;
    for (const item of tables.get(u.table)!) {
      const key = `${file}|${u.prefix ?? ''}|${item.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name: item.name, file, ...(u.prefix ? { prefix: u.prefix } : {}), mib: item.mib, source: { file: facts.path, line: item.line }, drop: isDrop(k, item.name) });
    }
  }
  return out;
}

/** The field an expression reads (`sd->dropped`, `atomic_read(&sd->dropped)`), with its receiver when that is a plain name. */
function fieldRead(n: Node): { field: string; receiver?: string } | undefined {
  let found: Node | undefined;
  walk(n, (c) => {
    if (found) return false;
    if (c.type === 'field_expression') {
      found = c;
      return false;
    }
  });
  const field = found?.childForFieldName('field');
  if (!found || !field) return undefined;
  const arg = found.childForFieldName('argument');
  return { field: field.text, ...(arg?.type === 'identifier' ? { receiver: arg.text } : {}) };
}

/** softnet_stat columns: the arguments of the seq_printf in softnet_seq_show, in order. */
async function softnetEntries(index: IndexView, parser: SourceParser, k: DropKnowledge): Promise<CounterEntry[]> {
  const facts = index.files.get(k.softnet.source);
  const fn = facts?.functions.find((f) => f.name === k.softnet.function);
  if (!facts || !fn) return [];
  const vars = fn.vars ?? {};
  const out = await parser.with(facts.path, ({ root }) => {
    const node = functionNodeAt(root, fn.line);
    if (!node) return [];
    let printf: Node | undefined;
    const locals = new Map<string, Node>();
    walk(node, (n) => {
      if (n.type === 'call_expression' && !printf && calleeName(n) === 'seq_printf') printf = n;
      if (n.type === 'init_declarator' || n.type === 'assignment_expression') {
        const left = n.childForFieldName(n.type === 'init_declarator' ? 'declarator' : 'left');
        const value = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
        if (left?.type === 'identifier' && value && fieldRead(value)) locals.set(left.text, value);
      }
    });
    if (!printf) return [];
    const entries: CounterEntry[] = [];
    argsOf(printf).slice(2).forEach((a, i) => {
      const local = a.type === 'identifier' ? locals.get(a.text) : undefined;
      const read = fieldRead(local ?? a);
      if (!read) return;
      const struct = read.receiver ? vars[read.receiver] : undefined;
      const name = local ? a.text : read.field;
      entries.push({ name, file: k.softnet.file, column: i + 1, field: read.field, ...(struct ? { struct } : {}),
        source: { file: facts.path, line: a.startPosition.row + 1 }, drop: isDrop(k, name) });
    });
    return entries;
  });
  return out ?? [];
}

/** /sys/class/net/<dev>/statistics/<name>: NETSTAT_ENTRY(name) in net-sysfs.c, a rtnl_link_stats64 field. */
async function sysfsEntries(index: IndexView, parser: SourceParser, k: DropKnowledge): Promise<CounterEntry[]> {
  if (!index.files.has(k.sysfs.source)) return [];
  const out = await parser.with(k.sysfs.source, ({ root }) => {
    const entries: CounterEntry[] = [];
    walk(root, (n) => {
      if (n.type !== 'call_expression' || calleeName(n) !== k.sysfs.macro) return;
      const args = argsOf(n);
      if (args.length !== 1 || args[0].type !== 'identifier') return;
      const name = args[0].text;
      entries.push({ name, file: `${k.sysfs.dir}/${name}`, field: name, struct: k.sysfs.struct,
        source: { file: k.sysfs.source, line: n.startPosition.row + 1 }, drop: isDrop(k, name) });
      return false;
    });
    return entries;
  });
  return out ?? [];
}

/** The last column of a socket table (/proc/net/udp `drops`): the header's last word and the field the row prints last. */
async function sockColumn(index: IndexView, parser: SourceParser, k: DropKnowledge, s: SockColumnsSource): Promise<CounterEntry | undefined> {
  const [hFile, hFn] = s.header;
  const [rFile, rFn] = s.row;
  const hf = index.files.get(hFile)?.functions.find((f) => f.name === hFn);
  const rf = index.files.get(rFile)?.functions.find((f) => f.name === rFn);
  if (!hf || !rf) return undefined;
  const header = await parser.with(hFile, ({ root }) => {
    const node = functionNodeAt(root, hf.line);
    let words: string[] = [];
    if (node) {
      walk(node, (n) => {
        if (n.type === 'string_literal' || n.type === 'concatenated_string') {
          const w = stringValue(n).trim().split(/\s+/);
          if (w.length > words.length) words = w;
          return false;
        }
      });
    }
    return words;
  });
  const row = await parser.with(rFile, ({ root }) => {
    const node = functionNodeAt(root, rf.line);
    let last: { field: string; line: number } | undefined;
    if (node) {
      walk(node, (n) => {
        if (n.type !== 'call_expression' || calleeName(n) !== 'seq_printf') return;
        const args = argsOf(n);
        const read = args.length ? fieldRead(args[args.length - 1]) : undefined;
        if (read) last = { field: read.field, line: args[args.length - 1].startPosition.row + 1 };
      });
    }
    return last;
  });
  const name = header?.[header.length - 1];
  if (!name || !row) return undefined;
  return { name, file: s.file, field: row.field, source: { file: rFile, line: row.line }, drop: isDrop(k, name, row.field) };
}
