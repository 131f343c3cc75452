// A keyed answer file: what one query about a name returns (its definitions, its callers),
// precomputed when the index or the call graph is written, so a warm CLI call reads one small
// block instead of decoding every shard.
//
// Layout: "NETPATHK", then u32s (format, header length, body length, header CRC), the blocks,
// then the header as JSON (written last: its size is known only then). Names
// are spread over buckets by hash; each bucket is one deflated JSON block holding its names'
// answers and the mtime and size of every file those answers come from. The header records each
// block's offset, length and CRC, so a reader checks only the block it reads: a torn or flipped
// block is refused, never trusted, and the caller answers the slow way and writes the file again.
//
// Written to a temporary file renamed into place: a kill mid-write leaves the old file or none.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fnv1a, latin1Json } from '../store';

export const LOOKUP_FORMAT = 1;
const MAGIC = Buffer.from('NETPATHK', 'latin1');

/** What every lookup file records about the state it was built from; a reader compares it all. */
export interface LookupHeader {
  format: number;
  kind: string;
  /** The identity of the index state (the manifest's stamp, the graph's key): any other means stale. */
  state: Record<string, string>;
  /** Every folder in scope with its mtime: a file added, removed or renamed anywhere moves one. */
  dirs: Array<[string, number]>;
  buckets: number;
  /** [offset from the body's start, length, crc32] per bucket; length 0: an empty bucket. */
  blocks: Array<[number, number, number]>;
  /** The files answers name, by number, FILE_CHUNK to a block: [path, mtimeMs, size] each. */
  fileBlocks: Array<[number, number, number]>;
}

/** A file an answer names, and the mtime and size it had when it was indexed. */
export type FileStamp = [path: string, mtimeMs: number, size: number];
const FILE_CHUNK = 256;

export function bucketOf(name: string, buckets: number): number {
  return fnv1a(name) % buckets;
}

/** A block as stored: each of its names' answer. */
export type Block = Record<string, unknown>;

/**
 * Writes a lookup file atomically: `blockOf(b)` gives the names of bucket b and their answers
 * (undefined: none; a string: the block's JSON already), asked in bucket order; answers name
 * files by their number in `files`,
 * which becomes the file table.
 */
export function writeLookup(file: string, head: Omit<LookupHeader, 'format' | 'buckets' | 'blocks' | 'fileBlocks'>, buckets: number, blockOf: (bucket: number) => Block | string | undefined, files: FileStamp[]): void {
  removeOrphans(file);
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const blocks: LookupHeader['blocks'] = [];
  const fileBlocks: LookupHeader['fileBlocks'] = [];
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, Buffer.alloc(PREFIX), 0, PREFIX, 0);
    let at = 0;
    const put = (value: unknown): [number, number, number] => {
      // Level 1: a third of the default's time for a few per cent more bytes.
      const data = zlib.deflateRawSync(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'), { level: 1 });
      fs.writeSync(fd!, data, 0, data.length, PREFIX + at);
      at += data.length;
      return [at - data.length, data.length, crc32(data)];
    };
    for (let b = 0; b < buckets; b++) {
      const block = blockOf(b);
      blocks.push(block ? put(block) : [at, 0, 0]);
    }
    for (let i = 0; i < files.length; i += FILE_CHUNK) fileBlocks.push(put(files.slice(i, i + FILE_CHUNK)));
    // The header goes after the body (its size is known only now); the prefix says where.
    const header: LookupHeader = { format: LOOKUP_FORMAT, ...head, buckets, blocks, fileBlocks };
    const headText = Buffer.from(latin1Json(header), 'latin1');
    fs.writeSync(fd, headText, 0, headText.length, PREFIX + at);
    const prefix = Buffer.alloc(PREFIX);
    MAGIC.copy(prefix, 0);
    prefix.writeUInt32LE(LOOKUP_FORMAT, 8);
    prefix.writeUInt32LE(headText.length, 12);
    prefix.writeUInt32LE(at, 16);
    prefix.writeUInt32LE(crc32(headText), 20);
    fs.writeSync(fd, prefix, 0, PREFIX, 0);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Temporary files of writers that died mid-write (kill -9): never read, removed by the next writer. */
function removeOrphans(file: string): void {
  const dir = path.dirname(file);
  const base = `${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(base)) continue;
    const pid = Number(n.slice(base.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    fs.rmSync(path.join(dir, n), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** magic, format, header length, body length, header crc32 (u32 each after the magic). */
const PREFIX = 24;

/** Why a lookup file cannot answer (the caller answers the slow way); or its open header. */
export type OpenedLookup = { fd: number; header: LookupHeader; bodyStart: number } | { problem: string };

/** Opens a lookup file and reads its header; the caller closes `fd`. */
export function openLookup(file: string, kind: string): OpenedLookup {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    return { problem: `no ${kind} lookup (${(e as NodeJS.ErrnoException).code})` };
  }
  try {
    const prefix = Buffer.alloc(PREFIX);
    if (fs.readSync(fd, prefix, 0, PREFIX, 0) !== PREFIX || !prefix.subarray(0, 8).equals(MAGIC)) throw new Error('not a lookup file');
    if (prefix.readUInt32LE(8) !== LOOKUP_FORMAT) throw new Error(`lookup format ${prefix.readUInt32LE(8)} is not ${LOOKUP_FORMAT}`);
    const len = prefix.readUInt32LE(12);
    const bodyLen = prefix.readUInt32LE(16);
    const headText = Buffer.alloc(len);
    if (fs.readSync(fd, headText, 0, len, PREFIX + bodyLen) !== len) throw new Error('truncated');
    if (crc32(headText) !== prefix.readUInt32LE(20)) throw new Error('header fails its checksum');
    const header = JSON.parse(headText.toString('latin1')) as LookupHeader;
    if (header.format !== LOOKUP_FORMAT || header.kind !== kind || !Array.isArray(header.blocks) || header.blocks.length !== header.buckets || !Array.isArray(header.dirs) || !Array.isArray(header.fileBlocks)) {
      throw new Error('malformed header');
    }
    return { fd, header, bodyStart: PREFIX };
  } catch (e) {
    fs.closeSync(fd);
    return { problem: `${kind} lookup unreadable (${(e as Error).message})` };
  }
}

type Opened = { fd: number; header: LookupHeader; bodyStart: number };

/** A block, checked against its CRC and decoded. */
function readBlock<T>(o: Opened, [offset, length, crc]: [number, number, number]): T {
  const data = Buffer.alloc(length);
  if (fs.readSync(o.fd, data, 0, length, o.bodyStart + offset) !== length) throw new LookupDamagedError('a block is cut short');
  if (crc32(data) !== crc) throw new LookupDamagedError('a block fails its checksum');
  try {
    return JSON.parse(zlib.inflateRawSync(data).toString('utf8')) as T;
  } catch (e) {
    throw new LookupDamagedError(`a block does not decode (${(e as Error).message})`);
  }
}

/** True when every block passes its checksum (the slow path's check before it trusts a file again). */
export function blocksWhole(o: Opened): boolean {
  try {
    for (const e of [...o.header.blocks, ...o.header.fileBlocks]) {
      if (e[1] === 0) continue;
      const data = Buffer.alloc(e[1]);
      if (fs.readSync(o.fd, data, 0, e[1], o.bodyStart + e[0]) !== e[1] || crc32(data) !== e[2]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** One name's stored answer; undefined when the name has none. */
export function readName<T>(o: Opened, name: string): T | undefined {
  const entry = o.header.blocks[bucketOf(name, o.header.buckets)];
  if (!entry || entry[1] === 0) return undefined;
  const block = readBlock<Block>(o, entry);
  return Object.hasOwn(block, name) ? (block[name] as T) : undefined;
}

/** The files of the given numbers, reading only the file-table blocks that hold them. */
export function readFiles(o: Opened, numbers: Iterable<number>): Map<number, FileStamp> {
  const out = new Map<number, FileStamp>();
  const chunks = new Map<number, FileStamp[]>();
  for (const n of numbers) {
    const c = Math.floor(n / FILE_CHUNK);
    let list = chunks.get(c);
    if (!list) {
      const entry = o.header.fileBlocks[c];
      if (!entry) throw new LookupDamagedError(`file ${n} is not in the table`);
      chunks.set(c, (list = readBlock<FileStamp[]>(o, entry)));
    }
    const f = list[n - c * FILE_CHUNK];
    if (!Array.isArray(f) || typeof f[0] !== 'string') throw new LookupDamagedError(`file ${n} is not in the table`);
    out.set(n, f);
  }
  return out;
}

export class LookupDamagedError extends Error {
  constructor(why: string) {
    super(`lookup file damaged: ${why}`);
    this.name = 'LookupDamagedError';
  }
}

/** The first folder whose mtime is not the recorded one (or that is gone), or undefined. */
export function movedDir(root: string, dirs: Array<[string, number]>): string | undefined {
  for (const [d, mtime] of dirs) {
    try {
      if (fs.statSync(path.join(root, d)).mtimeMs !== mtime) return d;
    } catch {
      return d;
    }
  }
  return undefined;
}

/** The first of an answer's files whose mtime or size is not the recorded one, or undefined. */
export function changedFile(root: string, files: Iterable<FileStamp>): string | undefined {
  for (const [f, mtime, size] of files) {
    try {
      const st = fs.statSync(path.join(root, f));
      if (st.mtimeMs !== mtime || st.size !== size) return f;
    } catch {
      return f;
    }
  }
  return undefined;
}

/** CRC-32 of a block (Node 20.15+ has it in zlib; before that, the first 32 bits of a SHA-1 do the same job). */
function crc32(b: Buffer): number {
  const z = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32;
  return z ? z(b) >>> 0 : crypto.createHash('sha1').update(b).digest().readUInt32LE(0);
}
