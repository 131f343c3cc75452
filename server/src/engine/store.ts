// On-disk index: a manifest plus shards of per-file facts, in a per-tree cache folder.
//
// The manifest lists every file with its mtime, size and row counts, and every shard with
// its checksum. Opening reads the manifest and checks the shard checksums (cheap: no JSON
// parsing); a shard's facts are parsed only when something reads them. A shard that does
// not match its checksum (truncated, edited, half-written) is discarded and its files are
// indexed again: the cache is rebuilt, never trusted.
//
// Every write goes to a temporary file renamed into place, so a crash leaves the old or
// the new file; the manifest is written last.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { KbuildMap } from './kbuild';
import type { SkippedFile } from './types';
import type { StoredFile, PackedCounts } from './codec';

/** Bump when StoredFile or the manifest change shape. */
export const FORMAT_VERSION = 7;
export const SHARD_COUNT = 64;

/** Per file: what validates it (mtime, size) and what statistics need without loading it. */
export interface ManifestFile { mtimeMs: number; size: number; parseErrors: number; counts: PackedCounts; notes?: string[] }

export interface Manifest {
  format: number;
  /** Fingerprint of the extractor: grammar, queries, knowledge. A mismatch means re-index all. */
  engine: string;
  root: string;
  scope: string[];
  shards: Record<string, { checksum: string; files: number }>;
  files: Record<string, ManifestFile>;
  skipped: SkippedFile[];
  kbuild: KbuildMap;
  makefiles: Record<string, number>;
  updatedAt: string;
}

export interface OpenResult {
  manifest: Manifest | undefined;
  /** Human-readable reasons the cache was (partly) not trusted. */
  problems: string[];
}

export function defaultCacheRoot(): string {
  return process.env.NETPATH_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'netpath');
}

export function shardOf(relPath: string): string {
  return (fnv1a(relPath) % SHARD_COUNT).toString().padStart(2, '0');
}

/** FNV-1a of a string: cheap and stable across runs (shards here, lookup buckets in lookup/). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A shard's bytes are not those the manifest this process read recorded: another process rewrote it. */
export class ShardChangedError extends Error {
  constructor(readonly shard: string) {
    super(`index shard ${shard} changed on disk since it was opened; run "netpath index" again`);
    this.name = 'ShardChangedError';
  }
}

export class IndexStore {
  readonly dir: string;

  constructor(readonly root: string, readonly scope: string[], cacheRoot = defaultCacheRoot()) {
    const key = crypto.createHash('sha1').update(root).update('\0').update(scope.join(',')).digest('hex').slice(0, 16);
    this.dir = path.join(cacheRoot, 'index', key);
  }

  /**
   * Read and check the manifest and the shard checksums; drop the files of bad shards.
   * `verifyShards: false` trusts the manifest's record of them (readShard still checks each
   * shard it reads): for readers that may need no shard at all, like the persisted call graph.
   */
  open(engine: string, opts: { verifyShards?: boolean } = {}): OpenResult {
    const problems: string[] = [];
    let manifest: Manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(this.dir, 'manifest.json'), 'latin1')) as Manifest;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`manifest unreadable (${(e as Error).message}); rebuilding`);
      return { manifest: undefined, problems };
    }
    const why = typeof manifest !== 'object' || manifest === null ? 'manifest is not an object'
      : manifest.format !== FORMAT_VERSION ? `cache format ${manifest.format} is not ${FORMAT_VERSION}`
      : manifest.engine !== engine ? 'extractor changed since the cache was written'
      : manifest.root !== this.root ? 'manifest describes another tree'
      : typeof manifest.shards !== 'object' || typeof manifest.files !== 'object' || !Array.isArray(manifest.skipped) ? 'manifest is malformed'
      : undefined;
    if (why) {
      problems.push(`${why}; rebuilding`);
      return { manifest: undefined, problems };
    }
    const bad = new Set<string>();
    for (const [shard, meta] of Object.entries(manifest.shards)) {
      if (opts.verifyShards === false) break;
      try {
        if (checksum(fs.readFileSync(this.shardPath(shard))) !== meta.checksum) throw new Error('checksum mismatch');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        problems.push(`shard ${shard} discarded (${code ? `${code}` : (e as Error).message}); its files will be indexed again`);
        bad.add(shard);
      }
    }
    for (const shard of bad) delete manifest.shards[shard];
    for (const p of Object.keys(manifest.files)) {
      const f = manifest.files[p];
      if (bad.has(shardOf(p)) || typeof f?.mtimeMs !== 'number' || typeof f.counts !== 'object') delete manifest.files[p];
    }
    return { manifest, problems };
  }

  /** Parse one shard, checking it against the checksum the manifest recorded. */
  readShard(shard: string, expected: string): Map<string, StoredFile> {
    const buf = fs.readFileSync(this.shardPath(shard));
    if (checksum(buf) !== expected) throw new ShardChangedError(shard);
    const list = JSON.parse(buf.toString('latin1')) as StoredFile[];
    if (!Array.isArray(list)) throw new Error(`index shard ${shard} is malformed`);
    return new Map(list.map((f) => [f.path, f]));
  }

  /**
   * Write one shard, record by record: a whole-tree shard is tens of MB, and building it as
   * one string left that much garbage per shard in the main thread. Returns its checksum.
   */
  writeShard(shard: string, files: StoredFile[]): string {
    fs.mkdirSync(path.join(this.dir, 'shards'), { recursive: true });
    const file = this.shardPath(shard);
    const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    const sum = new Checksum();
    const fd = fs.openSync(tmp, 'w');
    try {
      for (let i = 0; i <= files.length; i++) {
        const text = (i === 0 ? '[' : ',') + (i < files.length ? latin1Json(files[i]) : '');
        const chunk = Buffer.from(i === files.length ? (files.length ? ']' : '[]') : text, 'latin1');
        sum.update(chunk);
        fs.writeSync(fd, chunk);
      }
      fs.closeSync(fd);
      fs.renameSync(tmp, file);
    } catch (e) {
      try { fs.closeSync(fd); } catch { /* already closed */ }
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    return sum.digest();
  }

  writeManifest(m: Omit<Manifest, 'format' | 'updatedAt'>): Manifest {
    fs.mkdirSync(this.dir, { recursive: true });
    const full: Manifest = { ...m, format: FORMAT_VERSION, updatedAt: new Date().toISOString() };
    atomicWrite(path.join(this.dir, 'manifest.json'), Buffer.from(latin1Json(full), 'latin1'));
    return full;
  }

  /** The manifest as it is on disk now, unchecked (undefined when unreadable). */
  readManifest(): Manifest | undefined {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(this.dir, 'manifest.json'), 'latin1')) as Manifest;
      return typeof m === 'object' && m !== null && typeof m.shards === 'object' && typeof m.files === 'object' ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /** Identity of manifest.json as it is on disk now (inode, mtime, size), or undefined when there is none. */
  manifestStamp(): string | undefined {
    try {
      const st = fs.statSync(path.join(this.dir, 'manifest.json'));
      return `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      return undefined;
    }
  }

  /**
   * What manifest.json holds, as its size and checksum: the identity of an index state that a
   * copy of the cache folder keeps (its stamp, inode and mtime, does not). A lookup file records
   * it; reading it costs a read and a CRC of the manifest alone. Undefined when there is none.
   */
  manifestIdentity(): string | undefined {
    try {
      const b = fs.readFileSync(path.join(this.dir, 'manifest.json'));
      return `${b.length}:${checksum(b)}`;
    } catch {
      return undefined;
    }
  }

  shardPath(shard: string): string {
    return path.join(this.dir, 'shards', `${shard}.json`);
  }
}

/**
 * JSON whose every character fits in Latin-1 (higher ones become \u escapes), written and
 * read as latin1: decoding UTF-8 cost more than parsing the JSON itself.
 */
export function latin1Json(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** CRC-32 where Node has it (20.15+), SHA-1 otherwise: this guards against torn or damaged files, not tampering. */
export class Checksum {
  private static readonly crc32 = (zlib as unknown as { crc32?: (b: Buffer, prev?: number) => number }).crc32;
  private crc = 0;
  private readonly sha = Checksum.crc32 ? undefined : crypto.createHash('sha1');
  update(b: Buffer): void {
    if (this.sha) this.sha.update(b);
    else this.crc = Checksum.crc32!(b, this.crc);
  }
  digest(): string {
    return this.sha ? `sha1:${this.sha.digest('hex')}` : `crc32:${(this.crc >>> 0).toString(16)}`;
  }
}

/** Checksum of a whole file's bytes, in the form the manifest records (also used by the graph store). */
export function checksum(buf: Buffer): string {
  const c = new Checksum();
  c.update(buf);
  return c.digest();
}

export function atomicWrite(file: string, data: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
