// Name lookups over the index: definitions, references, per-file symbols, fuzzy search.
// Built once from the facts, then patched per file as files change.
import type { FileFacts, SymbolKindName } from './types';
import { forgetDecoded, mayContain, notDecoded } from './codec';
import { sliced, type Steps } from './slices';

export interface SymbolLocation {
  name: string;
  kind: SymbolKindName;
  file: string;
  line: number;
  col: number;
  endLine: number;
  signature?: string;
  static?: boolean;
}

export type ReferenceKind = 'call' | 'variable-call' | 'address' | 'macro-arg';
export interface ReferenceLocation { file: string; line: number; col: number; kind: ReferenceKind; function?: string }

export class SymbolTable {
  private readonly byName = new Map<string, SymbolLocation[]>();
  /** The names each file defines, so an edit touches only its own names, not every list. */
  private readonly namesOf = new Map<string, string[]>();

  constructor(private readonly files: Map<string, FileFacts>, empty = false) {
    if (!empty) for (const f of files.values()) this.add(f);
  }

  /**
   * The same table built in slices of about `sliceMs`, yielding to the event loop between them:
   * decoding every file's definitions takes seconds on a large scope, and the language server
   * must keep answering meanwhile. The files are those of `files` when the build starts; the
   * caller applies changes made during the build (KernelIndex.symbolsReady does).
   */
  static build(files: Map<string, FileFacts>, sliceMs = 8): Promise<SymbolTable> {
    return sliced(SymbolTable.steps(files), sliceMs);
  }

  /** The table's construction, pausing after each file (sliced() decides when to give way). */
  static *steps(files: Map<string, FileFacts>): Steps<SymbolTable> {
    const t = new SymbolTable(files, true);
    for (const f of [...files.values()]) {
      t.add(f);
      yield;
    }
    return t;
  }

  update(rel: string, facts: FileFacts | undefined): void {
    for (const name of this.namesOf.get(rel) ?? []) {
      const list = this.byName.get(name);
      if (!list) continue;
      const kept = list.filter((l) => l.file !== rel);
      if (kept.length) this.byName.set(name, kept);
      else this.byName.delete(name);
    }
    this.namesOf.delete(rel);
    if (facts) this.add(facts);
  }

  definitions(name: string): SymbolLocation[] {
    const list = this.byName.get(name) ?? [];
    // Function bodies first, then types, macros and variables.
    return [...list].sort(compareDefinitions);
  }

  /** Uses of a function: calls, address-taken sites, macro arguments. */
  references(name: string): ReferenceLocation[] {
    return findReferences(this.files, name);
  }

  fileSymbols(rel: string): SymbolLocation[] {
    return fileSymbols(this.files, rel);
  }

  /**
   * Fuzzy workspace search: the query's characters must appear in order; exact and prefix
   * matches, matches at word starts (after `_`) and shorter names rank first.
   */
  search(query: string, limit = 200): SymbolLocation[] {
    const q = query.toLowerCase();
    if (!q) return [];
    const scored: Array<{ s: number; loc: SymbolLocation }> = [];
    for (const [name, list] of this.byName) {
      const s = fuzzyScore(name, q);
      if (s < 0) continue;
      for (const loc of list) scored.push({ s: s - rank(loc.kind) * 0.5, loc });
    }
    scored.sort((a, b) => b.s - a.s || a.loc.name.length - b.loc.name.length || a.loc.name.localeCompare(b.loc.name));
    return scored.slice(0, limit).map((x) => x.loc);
  }

  private add(f: FileFacts): void {
    // The table keeps its own small records: lists decoded just for it are dropped again, so a
    // whole-index table does not keep every function's locals and calls alive (heap, GC pauses).
    const fresh = notDecoded(f, ['functions', 'defs']);
    const names = new Set<string>();
    for (const loc of locationsOf(f)) {
      names.add(loc.name);
      const list = this.byName.get(loc.name);
      if (list) list.push(loc);
      else this.byName.set(loc.name, [loc]);
    }
    this.namesOf.set(f.path, [...names]);
    forgetDecoded(f, fresh);
  }
}

/**
 * Uses of a function: direct calls, address-taken sites, dispatch-macro arguments. Needs no
 * table; files whose stored text does not mention the name are not decoded.
 */
export function findReferences(files: Map<string, FileFacts>, name: string): ReferenceLocation[] {
  const out: ReferenceLocation[] = [];
  for (const f of files.values()) {
    const fnName = (i: number) => (i >= 0 ? f.functions[i]?.name : undefined);
    if (mayContain(f, 'calls', name)) {
      for (const c of f.calls) {
        if (c.kind === 'direct' && c.name === name) out.push({ file: f.path, line: c.line, col: c.col, kind: 'call', function: fnName(c.fn) });
      }
    }
    if (mayContain(f, 'addressTaken', name)) {
      for (const a of f.addressTaken) {
        if (a.name === name) out.push({ file: f.path, line: a.line, col: a.col, kind: 'address', function: fnName(a.fn) });
      }
    }
    if (mayContain(f, 'macroCalls', name)) {
      for (const m of f.macroCalls) {
        if (m.args.some((a) => a === name || a === `&${name}`)) out.push({ file: f.path, line: m.line, col: m.col, kind: 'macro-arg', function: fnName(m.fn) });
      }
    }
  }
  out.sort(compareReferences);
  return dedupe(out);
}

/**
 * Definitions of one name without building the table: a one-shot lookup (the CLI) decodes
 * only the files whose stored text mentions the name.
 */
export function findDefinitions(files: Map<string, FileFacts>, name: string): SymbolLocation[] {
  const out: SymbolLocation[] = [];
  for (const f of files.values()) {
    if (!mayContain(f, 'functions', name) && !mayContain(f, 'defs', name)) continue;
    for (const loc of locationsOf(f)) if (loc.name === name) out.push(loc);
  }
  return out.sort(compareDefinitions);
}

/** The order definitions are answered in: function bodies first, then types, macros, variables. */
export function compareDefinitions(a: SymbolLocation, b: SymbolLocation): number {
  return rank(a.kind) - rank(b.kind) || a.file.localeCompare(b.file) || a.line - b.line;
}

export function compareReferences(a: ReferenceLocation, b: ReferenceLocation): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col;
}

/** One file's definitions in line order: needs no table. */
export function fileSymbols(files: Map<string, FileFacts>, rel: string): SymbolLocation[] {
  const f = files.get(rel);
  if (!f) return [];
  return locationsOf(f).sort((a, b) => a.line - b.line);
}

export function locationsOf(f: FileFacts): SymbolLocation[] {
  const out: SymbolLocation[] = [];
  for (const fn of f.functions) {
    out.push({ name: fn.name, kind: 'function', file: f.path, line: fn.line, col: fn.col, endLine: fn.endLine, signature: fn.signature, static: (fn.flags & 1) === 1 });
  }
  for (const d of f.defs) out.push({ name: d.name, kind: d.kind, file: f.path, line: d.line, col: d.col, endLine: d.endLine });
  return out;
}

export function rank(kind: SymbolKindName): number {
  return kind === 'function' ? 0 : isType(kind) ? 1 : kind === 'macro' ? 2 : 3;
}

export function isType(kind: SymbolKindName): boolean {
  return kind === 'struct' || kind === 'union' || kind === 'enum' || kind === 'typedef';
}

/**
 * Definitions in the order a use of the name asks for: after `struct`, `union` or `enum` the
 * type; elsewhere the name is a value (`&udp_table`, `SKB_DROP_REASON_X`), so functions,
 * variables and enumerators come before macros and types of the same name.
 */
export function forUse(defs: SymbolLocation[], typeUse: boolean): SymbolLocation[] {
  const order = (k: SymbolKindName) => (typeUse ? (isType(k) ? 0 : k === 'function' ? 1 : 2) : k === 'function' ? 0 : isType(k) ? 3 : k === 'macro' ? 2 : 1);
  return [...defs].sort((a, b) => order(a.kind) - order(b.kind));
}

function dedupe(list: ReferenceLocation[]): ReferenceLocation[] {
  return list.filter((r, i) => i === 0 || r.file !== list[i - 1].file || r.line !== list[i - 1].line || r.col !== list[i - 1].col);
}

/** -1 when `q` is not a subsequence of `name` (case-insensitive); otherwise higher is better. */
export function fuzzyScore(name: string, q: string): number {
  const lower = name.toLowerCase();
  if (lower === q) return 1000;
  if (lower.startsWith(q)) return 800 - (name.length - q.length);
  const sub = lower.indexOf(q);
  if (sub >= 0) return 600 - sub - (name.length - q.length) * 0.1 + (sub > 0 && name[sub - 1] === '_' ? 50 : 0);
  let score = 300;
  let qi = 0;
  let prev = -2;
  for (let i = 0; i < lower.length && qi < q.length; i++) {
    if (lower[i] !== q[qi]) continue;
    if (i === prev + 1) score += 5;
    else if (i === 0 || name[i - 1] === '_') score += 3;
    else score -= 2;
    prev = i;
    qi++;
  }
  return qi === q.length ? score - name.length * 0.1 : -1;
}
