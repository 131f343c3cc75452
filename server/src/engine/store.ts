// On-disk index: a manifest plus shards of per-file facts, in a per-tree cache folder.
// Every write goes to a temporary file and is renamed into place, so a crash leaves either
// the old or the new file. The manifest records each shard's checksum: a shard that does not
// match (truncated, edited, half-written) is discarded and its files are indexed again.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { KbuildMap } from './kbuild';
import type { FileFacts, SkippedFile } from './types';
import { decodeFile, encodeFile, type StoredFile } from './codec';

/** Bump when FileFacts or the manifest change shape. */
export const FORMAT_VERSION = 6;
export const SHARD_COUNT = 64;

export interface Manifest {
  format: number;
  /** Fingerprint of the extractor: grammar, queries, knowledge. A mismatch means re-index all. */
  engine: string;
  root: string;
  scope: string[];
  shards: Record<string, { checksum: string; files: number }>;
  skipped: SkippedFile[];
  kbuild: KbuildMap;
  makefiles: Record<string, number>;
  updatedAt: string;
}

export interface LoadResult {
  manifest: Manifest | undefined;
  files: Map<string, FileFacts>;
  /** Human-readable reasons the cache was (partly) not trusted. */
  problems: string[];
}

export function defaultCacheRoot(): string {
  return process.env.NETPATH_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'netpath');
}

export function shardOf(relPath: string): string {
  // FNV-1a: cheap and stable across runs.
  let h = 0x811c9dc5;
  for (let i = 0; i < relPath.length; i++) {
    h ^= relPath.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % SHARD_COUNT).toString().padStart(2, '0');
}

export class IndexStore {
  readonly dir: string;

  constructor(readonly root: string, readonly scope: string[], cacheRoot = defaultCacheRoot()) {
    const key = crypto.createHash('sha1').update(root).update('\0').update(scope.join(',')).digest('hex').slice(0, 16);
    this.dir = path.join(cacheRoot, 'index', key);
  }

  load(engine: string): LoadResult {
    const files = new Map<string, FileFacts>();
    const problems: string[] = [];
    let manifest: Manifest | undefined;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(this.dir, 'manifest.json'), 'utf8')) as Manifest;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`manifest unreadable (${(e as Error).message}); rebuilding`);
      return { manifest: undefined, files, problems };
    }
    if (manifest.format !== FORMAT_VERSION) {
      problems.push(`cache format ${manifest.format} is not ${FORMAT_VERSION}; rebuilding`);
      return { manifest: undefined, files, problems };
    }
    if (manifest.engine !== engine) {
      problems.push('extractor changed since the cache was written; rebuilding');
      return { manifest: undefined, files, problems };
    }
    if (manifest.root !== this.root || typeof manifest.shards !== 'object' || manifest.shards === null) {
      problems.push('manifest does not describe this tree; rebuilding');
      return { manifest: undefined, files, problems };
    }
    for (const [shard, meta] of Object.entries(manifest.shards)) {
      try {
        const buf = fs.readFileSync(this.shardPath(shard));
        if (checksum(buf) !== meta.checksum) throw new Error('checksum mismatch');
        const list = JSON.parse(buf.toString('latin1')) as StoredFile[];
        if (!Array.isArray(list)) throw new Error('not a list');
        for (const f of list) files.set(f.path, decodeFile(f));
      } catch (e) {
        problems.push(`shard ${shard} discarded (${(e as Error).message}); its files will be indexed again`);
        for (const [p, f] of files) if (shardOf(p) === shard) files.delete(f.path);
        delete manifest.shards[shard];
      }
    }
    return { manifest, files, problems };
  }

  /** Write the given shards (all when `shards` is undefined), then the manifest. */
  save(manifest: Omit<Manifest, 'shards' | 'format' | 'updatedAt'>, files: Map<string, FileFacts>, previous: Manifest | undefined, shards?: Set<string>): Manifest {
    fs.mkdirSync(path.join(this.dir, 'shards'), { recursive: true });
    const byShard = new Map<string, FileFacts[]>();
    for (const f of files.values()) {
      const s = shardOf(f.path);
      if (shards && !shards.has(s)) continue;
      let list = byShard.get(s);
      if (!list) byShard.set(s, (list = []));
      list.push(f);
    }
    const meta: Manifest['shards'] = shards && previous ? { ...previous.shards } : {};
    const targets = shards ?? new Set(byShard.keys());
    for (const s of targets) {
      const list = byShard.get(s) ?? [];
      const buf = Buffer.from(latin1Json(list.map(encodeFile)), 'latin1');
      atomicWrite(this.shardPath(s), buf);
      meta[s] = { checksum: checksum(buf), files: list.length };
    }
    const full: Manifest = { ...manifest, format: FORMAT_VERSION, shards: meta, updatedAt: new Date().toISOString() };
    atomicWrite(path.join(this.dir, 'manifest.json'), Buffer.from(JSON.stringify(full)));
    return full;
  }

  clear(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  shardPath(shard: string): string {
    return path.join(this.dir, 'shards', `${shard}.json`);
  }
}

/**
 * JSON whose every character fits in Latin-1 (higher ones become \\u escapes), written and
 * read as latin1: decoding UTF-8 cost more than parsing the JSON itself.
 */
function latin1Json(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** CRC-32 where Node has it (20.15+), SHA-1 otherwise: this guards against torn or damaged files, not tampering. */
function checksum(buf: Buffer): string {
  const z = zlib as unknown as { crc32?: (b: Buffer) => number };
  return z.crc32 ? `crc32:${z.crc32(buf).toString(16)}` : `sha1:${crypto.createHash('sha1').update(buf).digest('hex')}`;
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
