// `def` and `refs` answered from the symbols lookup file (lookup-file.ts) instead of every
// shard: written beside the index from its facts, read by the CLI before it opens the index.
//
// What it trusts, and what it does not: the answer's own files are stat'ed (an edit to any of
// them means the slow way), and every folder in scope is stat'ed (a file added, removed or
// renamed anywhere moves one). An edit in place to a file the answer does not name (a new
// definition typed into another file) is not seen: that is the price of not stat'ing every file,
// which is the whole cost of a warm query (issue 22). An empty answer is never trusted: the
// caller asks the index.
import * as path from 'node:path';
import type { FileFacts } from '../types';
import { forgetDecoded, notDecoded } from '../codec';
import { locationsOf, rank, type ReferenceLocation, type SymbolLocation } from '../symbols';
import { blocksWhole, bucketOf, changedFile, LookupDamagedError, movedDir, openLookup, readFiles, readName, writeLookup, type FileStamp } from './lookup-file';
import * as fs from 'node:fs';
import { knowledgeFor } from '../knowledge';
import { IndexStore } from '../store';
import { engineFingerprint } from '../fingerprint';

export const SYMBOLS_FILE = 'symbols.lookup';
const KIND = 'symbols';

/**
 * Stored answers as compact tuples (a million references in the net scope): a definition is
 * [file, kind, line, col, endLine, signature or 0, static 0/1], a reference [file, line, col,
 * kind, function or 0], the file by its number in the lookup's file table, the kind by KINDS.
 */
type DefTuple = [number, number, number, number, number, string | 0, 0 | 1];
type RefTuple = [number, number, number, number, string | 0];
interface StoredAnswer { d: DefTuple[]; r: RefTuple[] }
export interface SymbolAnswer { d: SymbolLocation[]; r: ReferenceLocation[] }

/** What the file must match to answer: the extractor, and the manifest (IndexStore.manifestIdentity) it was written with. */
export interface SymbolsState { engine: string; manifest: string }

const KINDS: Array<SymbolLocation['kind'] | ReferenceLocation['kind']> = ['function', 'struct', 'union', 'enum', 'enumerator', 'macro', 'typedef', 'variable', 'call', 'address', 'macro-arg'];
const FIRST_REF_KIND = 8;
const KIND_ID = new Map(KINDS.map((k, i) => [k, i]));

/** A growable column of 32-bit integers. */
class Column {
  data = new Int32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Every definition and reference as rows of integer columns, strings interned once: the net scope
 * has two million of them, and an object each cost more in garbage collection than the rest of
 * the work together.
 */
class Rows {
  readonly name = new Column();
  readonly kind = new Column();
  readonly file = new Column();
  readonly line = new Column();
  readonly col = new Column();
  readonly endLine = new Column();
  /** A definition's signature or a reference's function, as an index in `texts`; -1: none. */
  readonly text = new Column();
  readonly isStatic = new Column();
  /** Names, interned (the lookup's keys). */
  readonly strings: string[] = [];
  /** Signatures and function names, not interned (a file's function names are, by textOf). */
  readonly texts: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) this.ids.set(s, (i = this.strings.push(s) - 1));
    return i;
  }

  textOf(s: string | undefined): number {
    return s === undefined ? -1 : this.texts.push(s) - 1;
  }

  add(name: string, kind: number, file: number, line: number, col: number, endLine: number, text: number, isStatic: boolean): void {
    this.name.push(this.id(name));
    this.kind.push(kind);
    this.file.push(file);
    this.line.push(line);
    this.col.push(col);
    this.endLine.push(endLine);
    this.text.push(text);
    this.isStatic.push(isStatic ? 1 : 0);
  }
}

/**
 * Writes the symbols lookup of `files`: every name's definitions and references in the order
 * findDefinitions and findReferences return them (symbols.ts's comparators, ties in the order
 * the facts list them). Decodes each file's lists once and forgets what it decoded.
 */
export function writeSymbolsLookup(cacheDir: string, files: Map<string, FileFacts>, state: SymbolsState, dirs: Array<[string, number]>, beforeFile?: (path: string) => void): void {
  const table: FileStamp[] = [];
  const rows = new Rows();
  // Per file, where its definition rows and its reference rows start and end.
  const ranges: Array<[number, number, number]> = [];
  for (const f of files.values()) {
    beforeFile?.(f.path);
    const n = table.push([f.path, f.mtimeMs, f.size]) - 1;
    const fresh = notDecoded(f, ['functions', 'defs', 'calls', 'addressTaken', 'macroCalls']);
    const start = rows.name.length;
    for (const l of locationsOf(f)) rows.add(l.name, KIND_ID.get(l.kind)!, n, l.line, l.col, l.endLine, rows.textOf(l.signature), l.static === true);
    const refs = rows.name.length;
    addReferences(rows, f, n);
    ranges.push([start, refs, rows.name.length]);
    forgetDecoded(f, fresh);
  }
  const { name, kind, file, line, col, endLine, text, isStatic } = rows;
  const count = name.length;
  // The answers' order without a comparator over two million rows: files in symbols.ts's order
  // (localeCompare), each file's rows sorted on their own (definitions by line, references by
  // line and column, ties in the order the facts list them), then stable passes by bucket, by
  // name and by a definition's kind rank keep that order within every name.
  const byPath = table.map((_, i) => i).sort((x, y) => table[x][0].localeCompare(table[y][0]) || x - y);
  const order = new Uint32Array(count);
  let at = 0;
  for (const n of byPath) {
    const [start, refs, end] = ranges[n];
    at = sortRange(order, at, start, refs, (i) => line.data[i] * 65536, (x, y) => line.data[x] - line.data[y]);
    at = sortRange(order, at, refs, end, (i) => (col.data[i] < 65536 ? line.data[i] * 65536 + col.data[i] : Infinity), (x, y) => line.data[x] - line.data[y] || col.data[x] - col.data[y]);
  }
  const buckets = Math.max(256, Math.min(1 << 16, files.size >> 1));
  // Rows by name (a stable counting sort of `order`), and names by bucket: typed arrays only.
  const nameCount = rows.strings.length;
  const nameStart = new Int32Array(nameCount + 1);
  for (let i = 0; i < count; i++) nameStart[name.data[i] + 1]++;
  for (let n = 0; n < nameCount; n++) nameStart[n + 1] += nameStart[n];
  const byName = new Uint32Array(count);
  const nameFill = nameStart.slice(0, nameCount);
  for (const i of order) byName[nameFill[name.data[i]]++] = i;
  const bucketStart = new Int32Array(buckets + 1);
  const bucketOfName = new Int32Array(nameCount);
  for (let n = 0; n < nameCount; n++) {
    bucketOfName[n] = bucketOf(rows.strings[n], buckets);
    bucketStart[bucketOfName[n] + 1]++;
  }
  for (let b = 0; b < buckets; b++) bucketStart[b + 1] += bucketStart[b];
  const namesByBucket = new Int32Array(nameCount);
  const bucketFill = bucketStart.slice(0, buckets);
  for (let n = 0; n < nameCount; n++) namesByBucket[bucketFill[bucketOfName[n]]++] = n;
  const rankOf = KINDS.map((k, i) => (i < FIRST_REF_KIND ? rank(k as SymbolLocation['kind']) : -1));
  writeLookup(path.join(cacheDir, SYMBOLS_FILE), { kind: KIND, state: { ...state }, dirs }, buckets, (b) => {
    if (bucketStart[b] === bucketStart[b + 1]) return undefined;
    // The block's JSON written directly: two million small arrays built only to be stringified
    // cost more than all the rest of the write.
    const parts: string[] = [];
    for (let k = bucketStart[b]; k < bucketStart[b + 1]; k++) {
      const nm = namesByBucket[k];
      const list = byName.subarray(nameStart[nm], nameStart[nm + 1]);
      let d = '';
      for (let want = 0; want < 4; want++) {
        for (const i of list) {
          if (rankOf[kind.data[i]] !== want) continue;
          d += `${d ? ',' : ''}[${file.data[i]},${kind.data[i]},${line.data[i]},${col.data[i]},${endLine.data[i]},${text.data[i] < 0 ? 0 : JSON.stringify(rows.texts[text.data[i]])},${isStatic.data[i]}]`;
        }
      }
      let r = '';
      let last = -1;
      for (const i of list) {
        if (kind.data[i] < FIRST_REF_KIND) continue;
        // findReferences drops a reference at the place of the one before it.
        if (last >= 0 && file.data[last] === file.data[i] && line.data[last] === line.data[i] && col.data[last] === col.data[i]) continue;
        r += `${r ? ',' : ''}[${file.data[i]},${line.data[i]},${col.data[i]},${kind.data[i]},${text.data[i] < 0 ? 0 : JSON.stringify(rows.texts[text.data[i]])}]`;
        last = i;
      }
      parts.push(`${JSON.stringify(rows.strings[nm])}:{"d":[${d}],"r":[${r}]}`);
    }
    return `{${parts.join(',')}}`;
  }, table);
}

/**
 * Appends rows [start, end) to `order` sorted by `compare` (then by row, which is the order the
 * facts list them); returns the new end. `key` is the same order as one number: with the row it
 * is packed into one double and sorted without a comparator when it fits (almost always).
 */
function sortRange(order: Uint32Array, at: number, start: number, end: number, key: (i: number) => number, compare: (x: number, y: number) => number): number {
  const n = end - start;
  if (n === 0) return at;
  const keys = new Float64Array(n);
  let fits = n <= 1 << 20;
  for (let j = 0; j < n && fits; j++) {
    const k = key(start + j);
    if (!(k < 2 ** 33)) fits = false;
    keys[j] = k * 2 ** 20 + j;
  }
  if (fits) {
    keys.sort();
    for (let j = 0; j < n; j++) order[at + j] = start + (keys[j] % 2 ** 20);
  } else {
    const idx = Array.from({ length: n }, (_, j) => start + j).sort((x, y) => compare(x, y) || x - y);
    for (let j = 0; j < n; j++) order[at + j] = idx[j];
  }
  return at + n;
}

/** Every reference a file makes, under the name findReferences would find it by. */
function addReferences(rows: Rows, f: FileFacts, n: number): void {
  const fnText = new Int32Array(f.functions.length).fill(-2);
  const fn = (i: number) => {
    if (i < 0 || i >= fnText.length) return -1;
    if (fnText[i] === -2) fnText[i] = rows.textOf(f.functions[i].name);
    return fnText[i];
  };
  const [call, address, macroArg] = [KIND_ID.get('call')!, KIND_ID.get('address')!, KIND_ID.get('macro-arg')!];
  for (const c of f.calls) if (c.kind === 'direct') rows.add(c.name, call, n, c.line, c.col, 0, fn(c.fn), false);
  for (const a of f.addressTaken) rows.add(a.name, address, n, a.line, a.col, 0, fn(a.fn), false);
  for (const m of f.macroCalls) {
    // findReferences matches `a === name || a === '&' + name`, once per macro call and name.
    const names = new Set<string>();
    for (const a of m.args) {
      names.add(a);
      if (a.startsWith('&')) names.add(a.slice(1));
    }
    for (const name of names) rows.add(name, macroArg, n, m.line, m.col, 0, fn(m.fn), false);
  }
}

/** A stored answer as symbols.ts's records, with the paths of its files. */
function answerOf(name: string, v: StoredAnswer, paths: Map<number, string>): SymbolAnswer {
  const kindOf = (k: number) => {
    if (!(k >= 0 && k < KINDS.length)) throw new LookupDamagedError(`kind ${k} is not known`);
    return KINDS[k];
  };
  const d = v.d.map(([f, k, line, col, endLine, signature, isStatic]): SymbolLocation => {
    const kind = kindOf(k) as SymbolLocation['kind'];
    // The same properties, in the same order, as symbols.ts builds: the CLI's JSON is byte-identical.
    return kind === 'function'
      ? { name, kind, file: paths.get(f)!, line, col, endLine, signature: signature === 0 ? undefined : signature, static: isStatic === 1 }
      : { name, kind, file: paths.get(f)!, line, col, endLine };
  });
  const r = v.r.map(([f, line, col, k, fn]): ReferenceLocation => {
    // As findReferences builds it, `function` present even when undefined.
    return { file: paths.get(f)!, line, col, kind: kindOf(k) as ReferenceLocation['kind'], function: fn === 0 ? undefined : fn };
  });
  return { d, r };
}

/**
 * True when the symbols lookup on disk is of `state`, no folder in scope moved since, and every
 * block is whole (a reader that met a damaged block came here to have it written again).
 */
export function symbolsLookupCurrent(cacheDir: string, root: string, state: SymbolsState): boolean {
  const o = openLookup(path.join(cacheDir, SYMBOLS_FILE), KIND);
  if ('problem' in o) return false;
  try {
    return o.header.state.engine === state.engine && o.header.state.manifest === state.manifest && movedDir(root, o.header.dirs) === undefined && blocksWhole(o);
  } finally {
    fs.closeSync(o.fd);
  }
}

export type SymbolsLookup = { answer: SymbolAnswer } | { problem: string };

/**
 * The definitions and references of `name` from the lookup file, when it is of this state and
 * nothing it depends on moved; else why not (the caller answers from the index).
 */
export function lookupSymbol(cacheDir: string, root: string, name: string, state: SymbolsState): SymbolsLookup {
  const o = openLookup(path.join(cacheDir, SYMBOLS_FILE), KIND);
  if ('problem' in o) return o;
  try {
    if (o.header.state.engine !== state.engine) return { problem: 'symbols lookup is of another extractor' };
    if (o.header.state.manifest !== state.manifest) return { problem: 'symbols lookup is of another index state' };
    const dir = movedDir(root, o.header.dirs);
    if (dir !== undefined) return { problem: `folder ${dir || '.'} changed since the symbols lookup was written` };
    const v = readName<StoredAnswer>(o, name);
    if (!v) return { problem: `no entry for ${name}` };
    const files = readFiles(o, new Set([...v.d.map((d) => d[0]), ...v.r.map((r) => r[0])]));
    const changed = changedFile(root, files.values());
    if (changed !== undefined) return { problem: `${changed} changed since it was indexed` };
    return { answer: answerOf(name, v, new Map([...files].map(([i, f]) => [i, f[0]]))) };
  } catch (e) {
    if (e instanceof LookupDamagedError) return { problem: e.message };
    throw e;
  } finally {
    fs.closeSync(o.fd);
  }
}

/**
 * The lookup of a tree's index as the CLI's bin reads it (cli/entry.ts) and the language server
 * before its symbol table is built: the state it must match is read from disk here.
 */
export function lookupInCache(root: string, scope: string[], cacheRoot: string | undefined, name: string): SymbolsLookup {
  const knowledge = knowledgeFor(root);
  const store = new IndexStore(root, scope, cacheRoot);
  const manifest = store.manifestIdentity();
  if (manifest === undefined) return { problem: 'no index manifest' };
  return lookupSymbol(store.dir, root, name, { engine: engineFingerprint(knowledge), manifest });
}
