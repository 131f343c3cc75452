// Compact, lazily decoded storage form of FileFacts.
//
// A warm start must not rebuild a million call-site objects it may never read, so each
// list is stored as one string (rows split by \n, fields by \t) and decoded on first
// access. Untouched files are written back with their stored strings as they are.
// Separators are printable Latin-1 characters, not \n or \t: JSON escapes control
// characters, and unescaping them is what made loading slow (measured: ~6x).
import type { FileFacts } from './types';

const ROW = '\u00b6';
const COL = '\u00a6';
const ITEM = '\u00a7';
const SEPARATORS = /[\u00b6\u00a6\u00a7]/g;

type FieldType = 'n' | 's' | 'o' | 'a' | 'm';
type Schema = ReadonlyArray<readonly [string, FieldType]>;

// 'n' number, 's' string, 'o' optional string/number (empty = absent), 'a' string list,
// 'm' string map (k=v items).
const SCHEMAS = {
  functions: [['name', 's'], ['line', 'n'], ['col', 'n'], ['endLine', 'n'], ['flags', 'n'], ['signature', 's'], ['annotations', 'a'], ['params', 'a'], ['vars', 'm']],
  defs: [['name', 's'], ['kind', 's'], ['line', 'n'], ['col', 'n'], ['endLine', 'n'], ['type', 'o']],
  calls: [['fn', 'n'], ['kind', 's'], ['name', 's'], ['line', 'n'], ['col', 'n'], ['args', 'n'], ['receiver', 'o'], ['op', 'o'], ['loadedFrom', 'o'], ['loadedField', 'o']],
  gotos: [['fn', 'n'], ['label', 's'], ['line', 'n'], ['col', 'n']],
  labels: [['fn', 'n'], ['label', 's'], ['line', 'n'], ['col', 'n']],
  addressTaken: [['name', 's'], ['ctx', 's'], ['line', 'n'], ['col', 'n'], ['fn', 'n'], ['field', 'o'], ['struct', 'o'], ['target', 'o'], ['callee', 'o'], ['argPos', 'o'], ['param', 'o'], ['within', 'o'], ['ret', 'o']],
  copies: [['fn', 'n'], ['line', 'n'], ['col', 'n'], ['target', 's'], ['field', 's'], ['source', 's'], ['from', 's']],
  macroCalls: [['fn', 'n'], ['macro', 's'], ['line', 'n'], ['col', 'n'], ['args', 'a']],
  mibItems: [['table', 's'], ['name', 's'], ['mib', 's'], ['line', 'n']],
  increments: [['fn', 'n'], ['kind', 's'], ['name', 's'], ['line', 'n'], ['col', 'n'], ['via', 's'], ['receiver', 'o']],
} as const satisfies Record<string, Schema>;

type PackedKey = keyof typeof SCHEMAS;
export type PackedCounts = Record<PackedKey, number>;
const PACKED = Object.keys(SCHEMAS) as PackedKey[];
const NUMERIC_OPTIONAL = new Set(['argPos', 'param', 'ret']);
/** List fields that are always present, empty or not. */
const REQUIRED_LISTS = new Set(['args']);

/** What a shard file holds per source file. */
export interface StoredFile {
  path: string;
  mtimeMs: number;
  size: number;
  parseErrors: number;
  notes?: string[];
  /** Row counts, so statistics need no decoding. */
  counts: PackedCounts;
  packed: Record<PackedKey, string>;
  /** enums and structs, as JSON text. */
  enums: string;
  structs: string;
}

/** Facts that came from storage: how to get their stored form back without decoding. */
const stored = new WeakMap<FileFacts, () => StoredFile>();

export function encodeFile(f: FileFacts): StoredFile {
  const load = stored.get(f);
  if (load) return load();
  const packed = {} as Record<PackedKey, string>;
  const counts = {} as PackedCounts;
  for (const k of PACKED) {
    const rows = f[k] as unknown as Array<Record<string, unknown>>;
    packed[k] = pack(rows, SCHEMAS[k]);
    counts[k] = rows.length;
  }
  const out: StoredFile = { path: f.path, mtimeMs: f.mtimeMs, size: f.size, parseErrors: f.parseErrors, counts, packed,
    enums: JSON.stringify(f.enums), structs: JSON.stringify(f.structs) };
  if (f.notes?.length) out.notes = f.notes;
  return out;
}

/** What the manifest keeps of a file. */
export interface FileHeader { mtimeMs: number; size: number; parseErrors: number; counts: PackedCounts; notes?: string[] }

export function headerOf(s: StoredFile): FileHeader {
  const h: FileHeader = { mtimeMs: s.mtimeMs, size: s.size, parseErrors: s.parseErrors, counts: s.counts };
  if (s.notes) h.notes = s.notes;
  return h;
}

/**
 * FileFacts whose header is known now and whose lists are read through `load` on first
 * access (from a shard on disk, or from memory), then decoded.
 */
export function lazyFacts(path: string, h: FileHeader, load: () => StoredFile): FileFacts {
  const f = new StoredFacts(path, h) as unknown as FileFacts;
  const get = () => {
    const s = load();
    if (typeof s?.packed !== 'object' || s.packed === null) throw new Error(`index record for ${path} is malformed`);
    return s;
  };
  stored.set(f, get);
  countsOf.set(f, h.counts);
  return f;
}

/**
 * A file's facts as loaded from the cache. The lists are getters on the prototype, shared by all
 * files: each decodes its list on first access and keeps it as an own property. (One accessor
 * per list and file, made with defineProperty, held 62 MB of closures for the 13,700 files of
 * 6.12's net scope, most of a warm `netpath path`'s heap and its garbage collection.)
 */
class StoredFacts {
  notes?: string[];
  constructor(
    readonly path: string,
    h: FileHeader,
  ) {
    Object.assign(this, { mtimeMs: h.mtimeMs, size: h.size, parseErrors: h.parseErrors });
    if (h.notes) this.notes = h.notes;
  }
}

for (const k of [...PACKED, 'enums', 'structs'] as const) {
  const decode = (s: StoredFile) => (k === 'enums' || k === 'structs' ? JSON.parse(s[k]) : unpack(s.packed[k], SCHEMAS[k]));
  Object.defineProperty(StoredFacts.prototype, k, {
    configurable: true,
    enumerable: true,
    get(this: FileFacts) {
      const value = decode(stored.get(this)!());
      Object.defineProperty(this, k, { value, writable: true, configurable: true, enumerable: true });
      return value;
    },
    set(this: FileFacts, value: unknown) {
      Object.defineProperty(this, k, { value, writable: true, configurable: true, enumerable: true });
    },
  });
}

/**
 * Drops the decoded lists `keys` of facts that came from storage, so the next access decodes
 * them again from the stored text. A whole-tree pass (the call graph build) reads each file's
 * calls once: kept, the decoded rows of 60k files are gigabytes. Live facts are left alone.
 */
export function forgetDecoded(f: FileFacts, keys: ReadonlyArray<DecodedKey>): void {
  if (!stored.has(f)) return;
  for (const k of keys) if (Object.hasOwn(f, k)) delete (f as unknown as Record<string, unknown>)[k];
}

export type DecodedKey = PackedKey | 'enums' | 'structs';

/** The lists of `keys` not decoded yet: what a pass may forget after it without undoing another reader's work. */
export function notDecoded(f: FileFacts, keys: ReadonlyArray<DecodedKey>): DecodedKey[] {
  return stored.has(f) ? keys.filter((k) => !Object.hasOwn(f, k)) : [];
}

/**
 * Which stored lists a whole-index pass still reads (the call graph build): IndexCache keeps only
 * these of the shards it reads meanwhile. `typedDefsOnly`: of `defs`, only the rows of variables
 * and macros with a type (what the build's struct field types read of them).
 */
export interface StoredLists { lists: ReadonlyArray<DecodedKey>; typedDefsOnly?: boolean }

/** `s` with only the lists of `keep` (the others empty, as if the file had none): a copy, `s` is untouched. */
export function trimStored(s: StoredFile, keep: StoredLists): StoredFile {
  const packed = {} as Record<PackedKey, string>;
  for (const k of PACKED) packed[k] = keep.lists.includes(k) ? s.packed[k] : '';
  if (keep.typedDefsOnly && packed.defs) packed.defs = typedDefs(packed.defs);
  return { ...s, packed, enums: keep.lists.includes('enums') ? s.enums : '[]', structs: keep.lists.includes('structs') ? s.structs : '[]' };
}

/** The rows of a stored `defs` list that are a variable or macro with a type (SCHEMAS.defs: kind is column 1, type column 5). */
function typedDefs(text: string): string {
  let out = '';
  for (const row of text.split(ROW)) {
    const cols = row.split(COL, 6);
    if ((cols[1] === 'variable' || cols[1] === 'macro') && cols[5]) out += out ? ROW + row : row;
  }
  return out;
}

/**
 * A copy of `s` that is not a slice of a longer string: V8 makes substrings of 13 characters or
 * more (split, regex groups) of a decoded list as views that keep the whole string they come from alive.
 */
export function flat(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

const countsOf = new WeakMap<FileFacts, PackedCounts>();

/**
 * Binds facts loaded from the cache to their stored record as it is now. A lazy FileFacts reads
 * its path's record on first access; once the file is re-indexed or removed, that would be the
 * new record (or none) under the old header. The index pins the old facts before it replaces
 * them, so an analysis of an earlier version keeps reading that version.
 */
export function pinStored(f: FileFacts): void {
  const load = stored.get(f);
  if (!load) return;
  const s = load();
  stored.set(f, () => s);
}

/**
 * False when list `k` of `f` certainly does not contain `needle`: checked on the stored
 * text without decoding it. Lets a whole-index scan decode only the files that matter.
 */
export function mayContain(f: FileFacts, k: PackedKey, needle: string): boolean {
  if (Object.hasOwn(f, k)) return true; // decoded or live: the caller looks at the rows
  const load = stored.get(f);
  return load ? load().packed[k].includes(needle) : true;
}

/** Row count of a list without decoding it. */
export function countOf(f: FileFacts, k: PackedKey): number {
  const c = countsOf.get(f);
  return c ? c[k] : (f[k] as unknown[]).length;
}


function pack(rows: Array<Record<string, unknown>>, schema: Schema): string {
  let out = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (r) out += ROW;
    for (let i = 0; i < schema.length; i++) {
      if (i) out += COL;
      const [key, type] = schema[i];
      const v = row[key];
      if (v === undefined || v === null) continue;
      if (type === 'a') out += (v as string[]).map(clean).join(ITEM);
      else if (type === 'm') out += Object.entries(v as Record<string, string>).map(([k, x]) => `${clean(k)}=${clean(x)}`).join(ITEM);
      else out += type === 'n' ? String(v) : clean(String(v));
    }
  }
  return out;
}

function unpack(text: string, schema: Schema): Array<Record<string, unknown>> {
  if (!text) return [];
  const rows = text.split(ROW);
  const out = new Array<Record<string, unknown>>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const cols = rows[r].split(COL);
    const row: Record<string, unknown> = {};
    for (let i = 0; i < schema.length; i++) {
      const [key, type] = schema[i];
      const v = cols[i] ?? '';
      if (type === 'n') {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new Error(`corrupt number in ${key}`);
        row[key] = n;
      } else if (type === 's') row[key] = v;
      else if (v !== '' && type === 'm') row[key] = Object.fromEntries(v.split(ITEM).map((kv) => kv.split('=')));
      else if (v !== '') row[key] = type === 'a' ? v.split(ITEM) : NUMERIC_OPTIONAL.has(key) ? Number(v) : v;
      else if (type === 'a' && REQUIRED_LISTS.has(key)) row[key] = [];
    }
    out[r] = row;
  }
  return out;
}

/** Separators cannot appear inside values. */
function clean(s: string): string {
  SEPARATORS.lastIndex = 0;
  return SEPARATORS.test(s) ? s.replace(SEPARATORS, ' ') : s;
}
