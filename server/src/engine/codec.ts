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

type FieldType = 'n' | 's' | 'o' | 'a';
type Schema = ReadonlyArray<readonly [string, FieldType]>;

// 'n' number, 's' string, 'o' optional string/number (empty = absent), 'a' string list.
const SCHEMAS = {
  functions: [['name', 's'], ['line', 'n'], ['col', 'n'], ['endLine', 'n'], ['flags', 'n'], ['signature', 's'], ['annotations', 'a']],
  defs: [['name', 's'], ['kind', 's'], ['line', 'n'], ['col', 'n'], ['endLine', 'n']],
  calls: [['fn', 'n'], ['kind', 's'], ['name', 's'], ['line', 'n'], ['col', 'n'], ['args', 'n'], ['receiver', 'o'], ['op', 'o'], ['loadedFrom', 'o'], ['loadedField', 'o']],
  gotos: [['fn', 'n'], ['label', 's'], ['line', 'n'], ['col', 'n']],
  labels: [['fn', 'n'], ['label', 's'], ['line', 'n'], ['col', 'n']],
  addressTaken: [['name', 's'], ['ctx', 's'], ['line', 'n'], ['col', 'n'], ['fn', 'n'], ['field', 'o'], ['struct', 'o'], ['target', 'o'], ['callee', 'o'], ['argPos', 'o']],
  macroCalls: [['fn', 'n'], ['macro', 's'], ['line', 'n'], ['col', 'n'], ['args', 'a']],
  mibItems: [['table', 's'], ['name', 's'], ['mib', 's'], ['line', 'n']],
} as const satisfies Record<string, Schema>;

type PackedKey = keyof typeof SCHEMAS;
const PACKED = Object.keys(SCHEMAS) as PackedKey[];
const NUMERIC_OPTIONAL = new Set(['argPos']);
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
  counts: Record<PackedKey, number>;
  packed: Record<PackedKey, string>;
  /** enums and structs, as JSON text. */
  enums: string;
  structs: string;
}

const stored = new WeakMap<FileFacts, StoredFile>();

export function encodeFile(f: FileFacts): StoredFile {
  const cached = stored.get(f);
  if (cached) return cached;
  const packed = {} as Record<PackedKey, string>;
  const counts = {} as Record<PackedKey, number>;
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

/** A FileFacts whose lists decode on first access. Throws on a malformed record. */
export function decodeFile(s: StoredFile): FileFacts {
  if (typeof s?.path !== 'string' || typeof s.mtimeMs !== 'number' || typeof s.packed !== 'object' || s.packed === null || typeof s.counts !== 'object') {
    throw new Error('malformed file record');
  }
  const f = { path: s.path, mtimeMs: s.mtimeMs, size: s.size, parseErrors: s.parseErrors } as FileFacts;
  if (s.notes) f.notes = s.notes;
  for (const k of PACKED) {
    if (typeof s.packed[k] !== 'string') throw new Error(`malformed file record: ${k}`);
    lazy(f, k, () => unpack(s.packed[k], SCHEMAS[k]));
  }
  lazy(f, 'enums', () => JSON.parse(s.enums));
  lazy(f, 'structs', () => JSON.parse(s.structs));
  stored.set(f, s);
  return f;
}

/** Row count of a list without decoding it. */
export function countOf(f: FileFacts, k: PackedKey): number {
  const s = stored.get(f);
  return s ? s.counts[k] : (f[k] as unknown[]).length;
}

function lazy(obj: object, key: string, make: () => unknown): void {
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = make();
      Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: true });
      return value;
    },
  });
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
      out += type === 'a' ? (v as string[]).map(clean).join(ITEM) : type === 'n' ? String(v) : clean(String(v));
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
