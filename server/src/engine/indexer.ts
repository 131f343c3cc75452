// The kernel index: opens a tree, trusts what the cache still proves current, indexes the
// rest in worker threads, and keeps the cache up to date as single files change.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkKernelTree, kernelVersion, parseScope } from './kernel-tree';
import { knowledgeFor, type Knowledge } from './knowledge';
import { parseKbuild, type KbuildMap } from './kbuild';
import { loadCParser, type CParser } from './parser';
import { engineFingerprint } from './fingerprint';
import { symbolsLookupCurrent, writeSymbolsLookup } from './lookup/symbol-lookup';
import { indexInPool, CancelledError } from './pool';
import { scanTree } from './scan';
import { IndexStore, shardOf } from './store';
import { IndexCache } from './index-cache';
import { CacheBusyError, lockCache, type LockOwner } from './cache-lock';
import { indexBuffer, indexFile, makeFileIndexContext, type FileIndexContext, type FileResult } from './file-indexer';
import type { FileFacts, SkippedFile } from './types';
import { SymbolTable } from './symbols';
import { countOf, headerOf, lazyFacts, pinStored, type StoredLists } from './codec';
import type { WorkerResult } from './index-worker';

/** Below this many changed files, index in this thread rather than start workers. */
const IN_PROCESS_LIMIT = 16;

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface OpenOptions {
  scope?: string | string[];
  cacheRoot?: string;
  workers?: number;
  /** Ignore the cache and index everything. */
  rebuild?: boolean;
  parseTimeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
  log?: (level: LogLevel, message: string) => void;
  /** Told when another process (a CLI run, another editor) is writing this cache and the open waits for it. */
  onLockWait?: (owner: LockOwner | undefined) => void;
  /** Longest wait for that process (default DEFAULT_LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

export interface IndexStats {
  root: string;
  version: string | undefined;
  scope: string[];
  files: number;
  functions: number;
  calls: number;
  gotos: number;
  labels: number;
  addressTaken: number;
  macroCalls: number;
  filesWithParseErrors: number;
  skipped: number;
  /** Files parsed in this open (the rest came from the cache). */
  indexed: number;
  fromCache: number;
  seconds: number;
  peakRssMB: number;
}

export { CancelledError };

/** What analyses read of an index: a KernelIndex, or an immutable snapshot of one (analysis/snapshot.ts). */
export type IndexView = Pick<KernelIndex, 'root' | 'scope' | 'knowledge' | 'kbuild' | 'files' | 'cacheDir' | 'buffers'>;

/** A file's facts came from an unsaved buffer: the stamp says which edit of it (never a disk state). */
export interface BufferStamp { mtimeMs: 0; size: number }

/**
 * The stamp of an unsaved buffer's facts at document version `docVersion`: mtime 0 and a negative
 * size, which no file on disk has, so the next open re-reads the disk; distinct per version, so
 * anything keyed by a file's stamp (drop sites per file) is recomputed after every edit.
 */
export function bufferStamp(docVersion: number | undefined): BufferStamp {
  return { mtimeMs: 0, size: -1 - Math.max(0, Math.trunc(docVersion ?? 0)) };
}

export class KernelIndex {
  readonly files = new Map<string, FileFacts>();
  /**
   * The text of files indexed from an unsaved editor buffer, by path: analyses that re-parse a
   * file (drop sites) read it from here, so their lines match the buffer's facts, not the disk.
   */
  readonly buffers = new Map<string, string>();
  skipped: SkippedFile[] = [];
  kbuild: KbuildMap = {};
  /** Bumped by every change after the open (reindexFile, removeFile): analyses are per version. */
  version = 0;
  private makefiles: Record<string, number> = {};
  private hadManifest = false;
  private local: FileIndexContext | undefined;
  private table: SymbolTable | undefined;
  private tableP: Promise<SymbolTable> | undefined;
  /** Files changed while the table is built in slices, applied to it when it is done. */
  private tableChanges: Set<string> | undefined;
  private lastStats: IndexStats | undefined;
  private readonly cache: IndexCache;
  private fingerprintMemo: { version: number; value: string | undefined } | undefined;
  /** The extractor fingerprint the cache was opened with (openCached may be told it). */
  private engineId: string | undefined;
  /** manifest.json as this index last read or wrote it: another stamp means another process wrote it. */
  private seenManifest: string | undefined;
  /** The folders of the scan this index was opened with, and their mtimes (scan.ts). */
  private scanDirs: Array<[string, number]> | undefined;

  private constructor(
    readonly root: string,
    readonly scope: string[],
    readonly knowledge: Knowledge,
    private readonly store: IndexStore,
    private readonly log: (level: LogLevel, message: string) => void,
  ) {
    this.cache = new IndexCache(store, log);
  }

  static async open(dir: string, opts: OpenOptions = {}): Promise<KernelIndex> {
    const started = process.hrtime.bigint();
    const root = checkKernelTree(dir);
    const knowledge = knowledgeFor(root);
    const scope = parseScope(opts.scope, knowledge.defaultScope);
    const store = new IndexStore(root, scope, opts.cacheRoot);
    const log = opts.log ?? (() => undefined);
    // A cache that is current for every file of the tree needs no writer: readers (the CLI, a
    // second editor) open it without the lock, so they never queue behind each other.
    if (!opts.rebuild) {
      const current = KernelIndex.openIfCurrent(new KernelIndex(root, scope, knowledge, store, log), started);
      if (current) return current;
    }
    const idx = new KernelIndex(root, scope, knowledge, store, log);
    // Held from reading the manifest to writing it: a second process waits, then finds the cache current.
    const unlock = await writeLock(store.dir, log, { waitMs: opts.lockWaitMs, onWait: opts.onLockWait, isCancelled: opts.isCancelled });
    try {
      return await KernelIndex.openLocked(idx, opts, started);
    } finally {
      unlock();
    }
  }

  /**
   * The cache as it is, read without the lock, when its manifest is whole and every file, Makefile
   * and skip of the tree matches it; else undefined, and the caller opens it under the lock (which
   * also logs any problem). A writer replacing the manifest meanwhile (its stamp moved) is the same
   * as a mismatch: shards and manifest are each replaced whole (store.ts), never written in place.
   */
  private static openIfCurrent(idx: KernelIndex, started: bigint): KernelIndex | undefined {
    const { root, scope, store } = idx;
    const stamp = store.manifestStamp();
    if (stamp === undefined) return undefined;
    const { manifest, problems } = store.open(engineFingerprint(idx.knowledge));
    if (!manifest || problems.length) return undefined;
    idx.hadManifest = true;
    for (const [p, f] of idx.cache.adopt(manifest)) idx.files.set(p, f);
    idx.kbuild = manifest.kbuild ?? {};
    idx.makefiles = manifest.makefiles ?? {};
    const scan = scanTree(root, scope);
    if (scan.files.length !== idx.files.size) return undefined;
    for (const f of scan.files) {
      const h = idx.cache.header(f);
      if (!h) return undefined;
      try {
        const st = fs.statSync(path.join(root, f));
        if (st.mtimeMs !== h.mtimeMs || st.size !== h.size) return undefined;
      } catch {
        return undefined;
      }
    }
    if (JSON.stringify(scan.skipped) !== JSON.stringify(manifest.skipped)) return undefined;
    if (idx.refreshKbuild(scan.makefiles) || idx.cache.isDirty) return undefined;
    if (store.manifestStamp() !== stamp) return undefined;
    idx.scanDirs = scan.dirs;
    idx.skipped = manifest.skipped;
    idx.seenManifest = stamp;
    idx.lastStats = idx.computeStats(0, scan.files.length, started);
    return idx;
  }

  private static async openLocked(idx: KernelIndex, opts: OpenOptions, started: bigint): Promise<KernelIndex> {
    const { root, scope, store, log } = idx;
    const phase = (what: string) => log('debug', `${what} at ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}s`);
    const knowledge = idx.knowledge;
    let previousSkipped = '';
    if (!opts.rebuild) {
      const { manifest, problems } = store.open(engineFingerprint(knowledge));
      for (const p of problems) log('warn', p);
      if (manifest) {
        idx.hadManifest = true;
        for (const [p, f] of idx.cache.adopt(manifest)) idx.files.set(p, f);
        idx.kbuild = manifest.kbuild ?? {};
        idx.makefiles = manifest.makefiles ?? {};
        previousSkipped = JSON.stringify(manifest.skipped);
      }
    }
    phase('cache opened');

    const scan = scanTree(root, scope);
    idx.scanDirs = scan.dirs;
    const inScan = new Set(scan.files);
    for (const p of [...idx.files.keys()]) {
      if (!inScan.has(p)) {
        idx.files.delete(p);
        idx.cache.remove(p);
      }
    }
    const changed: string[] = [];
    for (const f of scan.files) {
      const h = idx.cache.header(f);
      if (!h) {
        changed.push(f);
        continue;
      }
      try {
        const st = fs.statSync(path.join(root, f));
        if (st.mtimeMs !== h.mtimeMs || st.size !== h.size) changed.push(f);
      } catch {
        changed.push(f); // vanished between scan and stat: indexFile reports it
      }
    }
    const fromCache = scan.files.length - changed.length;
    if (changed.length) log('info', `indexing ${changed.length} of ${scan.files.length} files (${fromCache} from cache)`);
    phase(`scan and stat done (${changed.length} to index)`);

    // Files are indexed shard by shard, so each shard is written, and its results dropped
    // from memory, as soon as its last file is done.
    changed.sort((x, y) => shardOf(x).localeCompare(shardOf(y)) || x.localeCompare(y));
    const outstanding = new Map<string, number>();
    for (const f of changed) outstanding.set(shardOf(f), (outstanding.get(shardOf(f)) ?? 0) + 1);
    const skipped: SkippedFile[] = [...scan.skipped];
    const onResult = (r: FileResult | WorkerResult) => {
      const p = r.ok ? ('stored' in r ? r.stored.path : r.facts.path) : r.skip.path;
      if (r.ok) {
        const record = 'stored' in r ? r.stored : r.facts;
        idx.cache.put(p, record);
        idx.files.set(p, 'stored' in r ? lazyFacts(p, headerOf(r.stored), () => idx.cache.storedFor(p)) : r.facts);
        for (const n of record.notes ?? []) log('debug', `${p}: ${n}`);
      } else {
        idx.files.delete(p);
        idx.cache.remove(p);
        skipped.push(r.skip);
        log('warn', `skipped ${r.skip.path}: ${r.skip.reason}`);
      }
      const shard = shardOf(p);
      const left = (outstanding.get(shard) ?? 1) - 1;
      outstanding.set(shard, left);
      if (left === 0) for (const [fp, f] of idx.cache.flush(shard)) idx.files.set(fp, f);
    };
    if (changed.length > IN_PROCESS_LIMIT) {
      await indexInPool(changed, { root, workers: opts.workers, parseTimeoutMs: opts.parseTimeoutMs, onResult, onProgress: opts.onProgress, isCancelled: opts.isCancelled });
    } else if (changed.length) {
      const ctx = await idx.localContext();
      let done = 0;
      for (const f of changed) {
        if (opts.isCancelled?.()) throw new CancelledError();
        onResult(indexFile(ctx, path.join(root, f), f));
        opts.onProgress?.(++done, changed.length);
      }
    }
    idx.skipped = skipped;
    phase('parsing done');

    const makefilesChanged = idx.refreshKbuild(scan.makefiles);
    if (!idx.hadManifest || idx.cache.isDirty || makefilesChanged || changed.length || JSON.stringify(skipped) !== previousSkipped) {
      idx.persist();
    }
    phase('cache written');
    idx.seenManifest = store.manifestStamp();
    idx.lastStats = idx.computeStats(changed.length, fromCache, started);
    return idx;
  }

  /**
   * Writes the symbols lookup (lookup/symbol-lookup.ts) unless the one on disk is already of this
   * state: after a CLI open, so the next `def` or `refs` reads one block. Only when memory is what
   * the cache holds (no unsaved buffer, nothing unwritten). Returns whether it wrote one.
   */
  ensureSymbolsLookup(): boolean {
    if (!this.scanDirs || this.buffers.size || !this.stateFingerprint() || !this.seenManifest) return false;
    // The manifest on disk is the one this index read or wrote (its stamp unchanged around the read).
    const manifest = this.store.manifestIdentity();
    if (!manifest || this.store.manifestStamp() !== this.seenManifest) return false;
    const state = { engine: this.engine, manifest };
    if (symbolsLookupCurrent(this.cacheDir, this.root, state)) return false;
    // In shard order, letting each shard's text go once its files are read: a whole-tree pass
    // would otherwise hold every shard at once.
    const byShard = [...this.files.keys()].sort((a, b) => shardOf(a).localeCompare(shardOf(b)) || (a < b ? -1 : 1));
    let shard = '';
    const ordered = new Map<string, FileFacts>();
    for (const p of byShard) ordered.set(p, this.files.get(p)!);
    writeSymbolsLookup(this.cacheDir, ordered, state, this.scanDirs, (p) => {
      const s = shardOf(p);
      if (s !== shard) {
        this.cache.unloadShards();
        shard = s;
      }
    });
    this.cache.unloadShards();
    return true;
  }

  /** Lets go of the shards read for facts so far (codec.ts decodes them again from disk on access). */
  unloadShards(): void {
    this.cache.unloadShards();
  }

  /** Which stored lists a whole-index pass still reads (IndexCache.keepStoredLists); `undefined` when it ends. */
  keepStoredLists(keep: StoredLists | undefined): void {
    this.cache.keepStoredLists(keep);
  }

  stats(): IndexStats {
    return this.lastStats!;
  }

  /** Whether the symbol table is built (until then the language server may answer from the symbols lookup). */
  get symbolsBuilt(): boolean {
    return this.table !== undefined;
  }

  /** The symbol table, built now in one go if there is none yet (the CLI; tests). */
  symbols(): SymbolTable {
    this.table ??= new SymbolTable(this.files);
    return this.table;
  }

  /**
   * The symbol table, built in slices that yield to the event loop (the language server: seconds
   * of decoding on a large scope must not stall other requests). Files changed while it is built
   * are applied to it when it is done.
   */
  symbolsReady(sliceMs = 8): Promise<SymbolTable> {
    if (this.table) return Promise.resolve(this.table);
    if (!this.tableP) {
      this.tableChanges = new Set();
      const p = SymbolTable.build(this.files, sliceMs).then((t) => {
        if (this.tableP === p && !this.table) {
          for (const rel of this.tableChanges ?? []) t.update(rel, this.files.get(rel));
          this.table = t;
        }
        this.tableP = undefined;
        this.tableChanges = undefined;
        return this.table!;
      });
      this.tableP = p;
    }
    return this.tableP;
  }

  /** Earlier versions (analyses, a table being built) keep reading the facts they had. */
  private pinOld(rel: string): void {
    const old = this.files.get(rel);
    if (!old) return;
    try {
      pinStored(old);
    } catch (e) {
      // A shard that cannot be read: nothing to keep; readers of the old version will say so.
      this.log('warn', `could not keep the previous facts of ${rel}: ${(e as Error).message}`);
    }
  }

  /** Keeps the symbol table (built, or being built) in step with one file's change. */
  private symbolsChanged(rel: string, facts: FileFacts | undefined): void {
    if (this.table) this.table.update(rel, facts);
    else this.tableChanges?.add(rel);
  }

  /** Relative, forward-slash path of an absolute path inside the tree, or undefined. */
  relative(abs: string): string | undefined {
    const rel = path.relative(this.root, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  inScope(rel: string): boolean {
    if (!/\.[ch]$/.test(rel)) return false;
    return this.scope.includes('.') || this.scope.some((s) => rel === s || rel.startsWith(`${s}/`));
  }

  /**
   * Re-index one file, from disk or from an editor's unsaved text (at document version
   * `docVersion`, see bufferStamp), and persist its shard. Returns the new facts, or the reason
   * the file was skipped.
   */
  async reindexFile(rel: string, text?: string, docVersion?: number): Promise<FileResult> {
    const ctx = await this.localContext();
    let r: FileResult;
    if (text !== undefined) {
      const stamp = bufferStamp(docVersion);
      r = indexBuffer(ctx, Buffer.from(text, 'utf8'), rel, stamp.mtimeMs, stamp.size);
    } else {
      r = indexFile(ctx, path.join(this.root, rel), rel);
    }
    if (text !== undefined && r.ok) this.buffers.set(rel, text);
    else this.buffers.delete(rel);
    this.version++;
    this.apply(rel, r);
    await this.persistLocked();
    return r;
  }

  /**
   * A batch of file-system changes (a `git checkout`, a build): re-index `changed` from disk and
   * drop `removed`, as one new version of the index with the cache written once.
   */
  async updateFromDisk(changed: string[], removed: string[]): Promise<{ results: FileResult[]; removed: number }> {
    const ctx = await this.localContext();
    const results: FileResult[] = [];
    for (const rel of changed) {
      const r = indexFile(ctx, path.join(this.root, rel), rel);
      this.buffers.delete(rel);
      this.apply(rel, r);
      results.push(r);
    }
    let gone = 0;
    for (const rel of removed) {
      this.buffers.delete(rel);
      this.pinOld(rel);
      if (!this.files.delete(rel)) continue;
      gone++;
      this.cache.remove(rel);
      this.symbolsChanged(rel, undefined);
    }
    if (results.length || gone) {
      this.version++;
      await this.persistLocked();
    }
    return { results, removed: gone };
  }

  /** One file's new result, in memory and in the pending cache (persisted by the caller). */
  private apply(rel: string, r: FileResult): void {
    this.pinOld(rel);
    if (r.ok) {
      this.files.set(rel, r.facts);
      this.cache.put(rel, r.facts);
      this.skipped = this.skipped.filter((s) => s.path !== rel);
    } else {
      this.files.delete(rel);
      this.cache.remove(rel);
      this.skipped = [...this.skipped.filter((s) => s.path !== rel), r.skip];
      this.log('warn', `skipped ${rel}: ${r.skip.reason}`);
    }
    this.symbolsChanged(rel, r.ok ? r.facts : undefined);
  }

  async removeFile(rel: string): Promise<void> {
    this.buffers.delete(rel);
    this.pinOld(rel);
    if (!this.files.delete(rel)) return;
    this.version++;
    this.cache.remove(rel);
    this.symbolsChanged(rel, undefined);
    await this.persistLocked();
  }

  /**
   * True when another process (a CLI `netpath index`, another editor) wrote this index's manifest
   * since this index read or wrote it: its shards may have been rewritten, so the owner should open
   * the index again (cheap: the cache proves most files current) rather than read them lazily.
   */
  changedOnDisk(): boolean {
    return this.seenManifest !== undefined && this.store.manifestStamp() !== this.seenManifest;
  }

  /** Object and module a .c file is linked into, from Kbuild. */
  moduleOf(rel: string) {
    return this.kbuild[rel];
  }

  private async localContext(): Promise<FileIndexContext> {
    if (!this.local) {
      const cparser: CParser = await loadCParser();
      this.local = makeFileIndexContext(cparser, this.knowledge);
    }
    return this.local;
  }

  private refreshKbuild(makefiles: string[]): boolean {
    const current: Record<string, number> = {};
    for (const m of makefiles) {
      try {
        current[m] = fs.statSync(path.join(this.root, m)).mtimeMs;
      } catch { /* vanished */ }
    }
    if (this.hadManifest && JSON.stringify(current) === JSON.stringify(this.makefiles)) return false;
    const map: KbuildMap = {};
    for (const m of Object.keys(current)) {
      try {
        const dir = path.posix.dirname(m);
        Object.assign(map, parseKbuild(fs.readFileSync(path.join(this.root, m), 'latin1'), m, dir === '.' ? '' : dir));
      } catch (e) {
        this.log('warn', `kbuild: cannot read ${m}: ${(e as Error).message}`);
      }
    }
    this.kbuild = map;
    this.makefiles = current;
    return true;
  }

  /** persist() under the cache's write lock, after a single-file change. */
  private async persistLocked(): Promise<void> {
    const unlock = await writeLock(this.store.dir, this.log, {});
    try {
      this.persist();
      this.seenManifest = this.store.manifestStamp();
    } finally {
      unlock();
    }
  }

  private persist(): void {
    for (const [p, f] of this.cache.flushAll()) this.files.set(p, f);
    this.cache.writeManifest({ engine: engineFingerprint(this.knowledge), root: this.root, scope: this.scope,
      skipped: this.skipped, kbuild: this.kbuild, makefiles: this.makefiles });
  }

  private computeStats(indexed: number, fromCache: number, started: bigint): IndexStats {
    let functions = 0, calls = 0, gotos = 0, labels = 0, addressTaken = 0, macroCalls = 0, withErrors = 0;
    for (const f of this.files.values()) {
      functions += countOf(f, 'functions');
      calls += countOf(f, 'calls');
      gotos += countOf(f, 'gotos');
      labels += countOf(f, 'labels');
      addressTaken += countOf(f, 'addressTaken');
      macroCalls += countOf(f, 'macroCalls');
      if (f.parseErrors > 0) withErrors++;
    }
    return {
      root: this.root, version: kernelVersion(this.root), scope: this.scope,
      files: this.files.size, functions, calls, gotos, labels, addressTaken, macroCalls,
      filesWithParseErrors: withErrors, skipped: this.skipped.length, indexed, fromCache,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }

  get cacheDir(): string {
    return this.store.dir;
  }

  /**
   * Fingerprint of the index state as the cache on disk holds it: the extractor, every file's
   * header (path, mtime, size, parse errors) and every shard's checksum (which also covers
   * unsaved buffers, stored with mtime 0). Undefined when memory differs from disk (a cache
   * that could not be written). Derived data persisted beside the index is keyed by it.
   */
  stateFingerprint(): string | undefined {
    if (this.fingerprintMemo?.version === this.version) return this.fingerprintMemo.value;
    const state = this.cache.state();
    let value: string | undefined;
    if (state) {
      const h = crypto.createHash('sha1').update(this.engine).update('\0').update(this.root).update('\0').update(this.scope.join(','));
      for (const p of Object.keys(state.files).sort()) {
        const f = state.files[p];
        h.update(`\n${p}\0${f.mtimeMs}\0${f.size}\0${f.parseErrors}`);
      }
      for (const shard of Object.keys(state.shards).sort()) h.update(`\n${shard}\0${state.shards[shard].checksum}`);
      value = h.digest('hex');
    }
    this.fingerprintMemo = { version: this.version, value };
    return value;
  }

  /**
   * True when the tree in scope is what the cache holds: the same files, each with the mtime and
   * size recorded (a scan and a stat per file; nothing is read or parsed). An unsaved buffer
   * (stored with mtime 0) never matches the disk.
   */
  matchesDisk(): boolean {
    const scan = scanTree(this.root, this.scope);
    if (scan.files.length !== this.cache.paths().length) return false;
    for (const f of scan.files) {
      const h = this.cache.header(f);
      if (!h) return false;
      try {
        const st = fs.statSync(path.join(this.root, f));
        if (st.mtimeMs !== h.mtimeMs || st.size !== h.size) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /** Fingerprint of the extractor the cached facts came from. */
  get engine(): string {
    return this.engineId ?? engineFingerprint(this.knowledge);
  }

  /**
   * The index exactly as the cache on disk holds it, read-only: no scan, no stat, no writes
   * (the call-graph worker uses it to see what the main thread persisted; it passes the main
   * thread's `engine`, which a rebuilt dist/ on disk may no longer match). Undefined, with the
   * reasons logged, when there is no usable manifest or a shard fails its checksum.
   */
  static openCached(dir: string, opts: Pick<OpenOptions, 'scope' | 'cacheRoot' | 'log'> & { engine?: string; verifyShards?: boolean } = {}): KernelIndex | undefined {
    const root = checkKernelTree(dir);
    const knowledge = knowledgeFor(root);
    const scope = parseScope(opts.scope, knowledge.defaultScope);
    const store = new IndexStore(root, scope, opts.cacheRoot);
    const log = opts.log ?? (() => undefined);
    const engine = opts.engine ?? engineFingerprint(knowledge);
    const { manifest, problems } = store.open(engine, { verifyShards: opts.verifyShards });
    for (const p of problems) log('warn', p);
    if (!manifest) log('warn', `no index manifest in ${store.dir}`);
    if (!manifest || problems.length) return undefined;
    const idx = new KernelIndex(root, scope, knowledge, store, log);
    idx.engineId = engine;
    idx.hadManifest = true;
    for (const [p, f] of idx.cache.adopt(manifest)) idx.files.set(p, f);
    idx.kbuild = manifest.kbuild ?? {};
    idx.makefiles = manifest.makefiles ?? {};
    idx.skipped = manifest.skipped;
    return idx;
  }
}

/**
 * The cache's write lock (cache-lock.ts). A cache folder that cannot be written at all is not
 * locked: the index then works in memory (IndexCache logs the write failure).
 */
async function writeLock(dir: string, log: (level: LogLevel, message: string) => void, opts: Parameters<typeof lockCache>[1]): Promise<() => void> {
  try {
    return await lockCache(dir, { ...opts, cancelled: () => new CancelledError() });
  } catch (e) {
    if (e instanceof CacheBusyError || e instanceof CancelledError) throw e;
    log('warn', `index cache ${dir} not locked: ${(e as Error).message}`);
    return () => undefined;
  }
}
