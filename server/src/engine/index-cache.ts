// The cached side of the index: which files the cache holds, their headers, and the shards
// their facts live in. Fresh results are kept in memory until their shard is written, then
// dropped and read back from disk on demand, so indexing the whole tree does not hold every
// file's facts at once.
import { encodeFile, headerOf, lazyFacts, trimStored, type FileHeader, type StoredFile, type StoredLists } from './codec';
import { IndexStore, ShardChangedError, shardOf, type Manifest } from './store';
import type { FileFacts } from './types';

export type CacheLog = (level: 'error' | 'warn', message: string) => void;

export class IndexCache {
  private headers: Record<string, FileHeader> = {};
  private shards: Manifest['shards'] = {};
  /** Shards parsed from disk, kept once read. */
  private readonly loaded = new Map<string, Map<string, StoredFile>>();
  /** Results not yet written (or that could not be written): path -> record. */
  private readonly pending = new Map<string, StoredFile | FileFacts>();
  private readonly dirty = new Set<string>();
  private writable = true;
  /** While set, shards read keep only these lists (keepStoredLists). */
  private keep: StoredLists | undefined;
  /** Extractor fingerprint of the adopted manifest: another process's shards are usable only with the same one. */
  private engine: string | undefined;

  constructor(private readonly store: IndexStore, private readonly log: CacheLog) {}

  /** Adopt what a checked manifest says; returns lazy facts for every cached file. */
  adopt(manifest: Manifest): Map<string, FileFacts> {
    this.headers = manifest.files;
    this.shards = manifest.shards;
    this.engine = manifest.engine;
    const out = new Map<string, FileFacts>();
    for (const [p, h] of Object.entries(this.headers)) out.set(p, lazyFacts(p, h, () => this.storedFor(p)));
    return out;
  }

  header(p: string): FileHeader | undefined {
    return this.headers[p];
  }

  paths(): string[] {
    return Object.keys(this.headers);
  }

  /** A new result for `p`: kept in memory until its shard is flushed. */
  put(p: string, record: StoredFile | FileFacts): void {
    const stored = 'packed' in record ? record : undefined;
    this.headers[p] = headerOf(stored ?? encodeFile(record as FileFacts));
    this.pending.set(p, record);
    this.dirty.add(shardOf(p));
  }

  remove(p: string): void {
    if (!(p in this.headers) && !this.pending.has(p)) return;
    delete this.headers[p];
    this.pending.delete(p);
    this.dirty.add(shardOf(p));
  }

  /**
   * Write one shard (its cached files plus pending results). Returns lazy facts for the
   * files whose results were just written, so the caller can drop its in-memory copies.
   */
  flush(shard: string): Map<string, FileFacts> {
    const out = new Map<string, FileFacts>();
    if (!this.dirty.has(shard)) return out;
    const members = Object.keys(this.headers).filter((p) => shardOf(p) === shard);
    const records: StoredFile[] = [];
    for (const p of members) {
      const pend = this.pending.get(p);
      records.push(pend ? ('packed' in pend ? pend : encodeFile(pend)) : this.storedFor(p));
    }
    if (!this.writable) return out;
    try {
      if (records.length) this.shards[shard] = { checksum: this.store.writeShard(shard, records), files: records.length };
      else delete this.shards[shard];
    } catch (e) {
      // A read-only or full cache disk must not stop the index from working in memory.
      this.writable = false;
      this.log('error', `could not write the index cache in ${this.store.dir}: ${(e as Error).message}`);
      return out;
    }
    this.dirty.delete(shard);
    this.loaded.delete(shard);
    for (const p of members) {
      const pend = this.pending.get(p);
      if (!pend) continue;
      this.pending.delete(p);
      // Live facts (an edited buffer) stay as they are; worker results become lazy.
      if ('packed' in pend) out.set(p, lazyFacts(p, this.headers[p], () => this.storedFor(p)));
    }
    return out;
  }

  flushAll(): Map<string, FileFacts> {
    const out = new Map<string, FileFacts>();
    for (const shard of [...this.dirty]) for (const [p, f] of this.flush(shard)) out.set(p, f);
    return out;
  }

  writeManifest(rest: Omit<Manifest, 'format' | 'updatedAt' | 'shards' | 'files'>): void {
    if (!this.writable) return;
    try {
      this.store.writeManifest({ ...rest, shards: this.shards, files: this.headers });
      this.engine = rest.engine;
    } catch (e) {
      this.writable = false;
      this.log('error', `could not write the index cache in ${this.store.dir}: ${(e as Error).message}`);
    }
  }

  /**
   * What the cache on disk holds, for fingerprints of the index state (the persisted call
   * graph): every file's header and every shard's checksum. Undefined while results are not
   * written (or could not be): the disk then differs from memory.
   */
  state(): { files: Readonly<Record<string, FileHeader>>; shards: Readonly<Manifest['shards']> } | undefined {
    return this.dirty.size || this.pending.size ? undefined : { files: this.headers, shards: this.shards };
  }

  get isDirty(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * Forgets the shards read from disk (they are read again on the next access). After a whole-tree
   * pass such as the call graph build they hold every file's stored text: hundreds of MB.
   */
  unloadShards(): void {
    this.loaded.clear();
  }

  /**
   * While a whole-index pass runs (the call graph build), the shards read from disk keep only the
   * lists it still reads, and the shards already read drop the others: the whole tree's stored
   * text is 600 MB, the build reads well under half of it, and less as it goes. Another reader
   * would see the other lists empty: the pass is synchronous, and `undefined` (when it ends)
   * unloads the shards, so the next access reads them whole again.
   */
  keepStoredLists(keep: StoredLists | undefined): void {
    this.keep = keep;
    if (!keep) return this.unloadShards();
    for (const map of this.loaded.values()) for (const [p, rec] of map) map.set(p, trimStored(rec, keep));
  }

  /** The stored record of a file: pending in memory, or from its shard (read once). */
  storedFor(p: string): StoredFile {
    const pend = this.pending.get(p);
    if (pend) return 'packed' in pend ? pend : encodeFile(pend);
    const shard = shardOf(p);
    let map = this.loaded.get(shard);
    if (!map) {
      const meta = this.shards[shard];
      if (!meta) throw new Error(`index cache has no shard for ${p}`);
      try {
        map = this.store.readShard(shard, meta.checksum);
      } catch (e) {
        if (!(e instanceof ShardChangedError)) throw e;
        map = this.rewrittenShard(shard);
      }
      const keep = this.keep;
      if (keep) for (const [q, rec] of map) map.set(q, trimStored(rec, keep));
      this.loaded.set(shard, map);
    }
    const rec = map.get(p);
    if (!rec) throw new Error(`index shard ${shard} does not hold ${p} as this index knows it (changed by another process?); open the index again`);
    return rec;
  }

  /**
   * Another process (a `netpath index` beside the server) rewrote `shard`: read the manifest it
   * wrote and keep the records of the files whose header is still the one this index holds (the
   * same file state, extracted by the same engine, so the same facts). The others are left out:
   * reading them fails until the owner opens the index again (IndexSession does on the next read).
   */
  private rewrittenShard(shard: string): Map<string, StoredFile> {
    const manifest = this.store.readManifest();
    const meta = manifest?.shards[shard];
    if (!manifest || !meta || manifest.engine !== this.engine) throw new ShardChangedError(shard);
    const map = this.store.readShard(shard, meta.checksum);
    this.log('warn', `index shard ${shard} was rewritten by another process; using its unchanged files`);
    const same = new Map<string, StoredFile>();
    for (const [q, rec] of map) {
      const ours = this.headers[q];
      const theirs = manifest.files[q];
      if (ours && theirs && ours.mtimeMs === theirs.mtimeMs && ours.size === theirs.size && ours.parseErrors === theirs.parseErrors) same.set(q, rec);
    }
    return same;
  }
}
