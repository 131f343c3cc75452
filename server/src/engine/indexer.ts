// The kernel index: opens a tree, trusts what the cache still proves current, indexes the
// rest in worker threads, and keeps the cache up to date as single files change.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkKernelTree, kernelVersion, parseScope } from './kernel-tree';
import { knowledgeFingerprint, knowledgeFor, type Knowledge } from './knowledge';
import { parseKbuild, type KbuildMap } from './kbuild';
import { grammarPath, loadCParser, queryText, type CParser } from './parser';
import { indexInPool, CancelledError } from './pool';
import { scanTree } from './scan';
import { IndexStore, shardOf, type Manifest } from './store';
import { indexBuffer, indexFile, makeFileIndexContext, type FileIndexContext, type FileResult } from './file-indexer';
import type { FileFacts, SkippedFile } from './types';
import { SymbolTable } from './symbols';
import { countOf, decodeFile } from './codec';
import type { WorkerResult } from './index-worker';

/** Bump when extract.ts output changes meaning; part of the cache fingerprint. */
const EXTRACTOR_VERSION = 1;
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

export class KernelIndex {
  readonly files = new Map<string, FileFacts>();
  skipped: SkippedFile[] = [];
  kbuild: KbuildMap = {};
  private manifest: Manifest | undefined;
  private makefiles: Record<string, number> = {};
  private local: FileIndexContext | undefined;
  private table: SymbolTable | undefined;
  private lastStats: IndexStats | undefined;

  private constructor(
    readonly root: string,
    readonly scope: string[],
    readonly knowledge: Knowledge,
    private readonly store: IndexStore,
    private readonly engine: string,
    private readonly log: (level: LogLevel, message: string) => void,
  ) {}

  static async open(dir: string, opts: OpenOptions = {}): Promise<KernelIndex> {
    const started = process.hrtime.bigint();
    const root = checkKernelTree(dir);
    const knowledge = knowledgeFor(root);
    const scope = parseScope(opts.scope, knowledge.defaultScope);
    const store = new IndexStore(root, scope, opts.cacheRoot);
    const log = opts.log ?? (() => undefined);
    const idx = new KernelIndex(root, scope, knowledge, store, engineFingerprint(knowledge), log);

    if (!opts.rebuild) {
      const loaded = store.load(idx.engine);
      for (const p of loaded.problems) log('warn', p);
      idx.manifest = loaded.manifest;
      for (const [k, v] of loaded.files) idx.files.set(k, v);
      if (loaded.manifest) {
        idx.kbuild = loaded.manifest.kbuild ?? {};
        idx.makefiles = loaded.manifest.makefiles ?? {};
      }
    }

    log('debug', `cache loaded at ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}s`);
    const scan = scanTree(root, scope);
    const inScan = new Set(scan.files);
    const touched = new Set<string>();
    for (const p of [...idx.files.keys()]) {
      if (!inScan.has(p)) {
        idx.files.delete(p);
        touched.add(shardOf(p));
      }
    }
    const changed: string[] = [];
    for (const f of scan.files) {
      const facts = idx.files.get(f);
      if (!facts) {
        changed.push(f);
        continue;
      }
      try {
        const st = fs.statSync(path.join(root, f));
        if (st.mtimeMs !== facts.mtimeMs || st.size !== facts.size) changed.push(f);
      } catch {
        changed.push(f); // vanished between scan and stat: indexFile reports it
      }
    }
    const fromCache = scan.files.length - changed.length;
    if (changed.length) log('info', `indexing ${changed.length} of ${scan.files.length} files (${fromCache} from cache)`);

    const skipped: SkippedFile[] = [...scan.skipped];
    const onResult = (r: FileResult | WorkerResult) => {
      const facts = r.ok ? ('stored' in r ? decodeFile(r.stored) : r.facts) : undefined;
      const p = facts ? facts.path : (r as { skip: SkippedFile }).skip.path;
      touched.add(shardOf(p));
      if (facts) {
        idx.files.set(p, facts);
        for (const n of facts.notes ?? []) log('debug', `${p}: ${n}`);
      } else {
        idx.files.delete(p);
        const skip = (r as { skip: SkippedFile }).skip;
        skipped.push(skip);
        log('warn', `skipped ${skip.path}: ${skip.reason}`);
      }
    };
    const phase = (what: string) => log('debug', `${what} at ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}s`);
    phase(`scan and stat done (${changed.length} to index)`);
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
    if (!idx.manifest || touched.size || makefilesChanged || JSON.stringify(idx.manifest.skipped) !== JSON.stringify(skipped)) {
      idx.persist(idx.manifest ? touched : undefined);
    }
    phase('cache written');
    idx.lastStats = idx.computeStats(changed.length, fromCache, started);
    return idx;
  }

  stats(): IndexStats {
    return this.lastStats!;
  }

  symbols(): SymbolTable {
    this.table ??= new SymbolTable(this.files);
    return this.table;
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
   * Re-index one file, from disk or from an editor's unsaved text, and persist its shard.
   * Returns the new facts, or the reason the file was skipped.
   */
  async reindexFile(rel: string, text?: string): Promise<FileResult> {
    const ctx = await this.localContext();
    let r: FileResult;
    if (text !== undefined) {
      // An unsaved buffer is stored with mtime 0 and size -1, so the next open re-reads the disk.
      r = indexBuffer(ctx, Buffer.from(text, 'utf8'), rel, 0, -1);
    } else {
      r = indexFile(ctx, path.join(this.root, rel), rel);
    }
    if (r.ok) {
      this.files.set(rel, r.facts);
      this.skipped = this.skipped.filter((s) => s.path !== rel);
    } else {
      this.files.delete(rel);
      this.skipped = [...this.skipped.filter((s) => s.path !== rel), r.skip];
      this.log('warn', `skipped ${rel}: ${r.skip.reason}`);
    }
    this.table?.update(rel, r.ok ? r.facts : undefined);
    this.persist(new Set([shardOf(rel)]));
    return r;
  }

  removeFile(rel: string): void {
    if (!this.files.delete(rel)) return;
    this.table?.update(rel, undefined);
    this.persist(new Set([shardOf(rel)]));
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
    if (this.manifest && JSON.stringify(current) === JSON.stringify(this.makefiles)) return false;
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

  private persist(shards: Set<string> | undefined): void {
    try {
      this.manifest = this.store.save(
        { engine: this.engine, root: this.root, scope: this.scope, skipped: this.skipped, kbuild: this.kbuild, makefiles: this.makefiles },
        this.files, this.manifest, shards);
    } catch (e) {
      // A read-only or full cache disk must not stop the index from working in memory.
      this.log('error', `could not write the index cache in ${this.store.dir}: ${(e as Error).message}`);
    }
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
}

function engineFingerprint(k: Knowledge): string {
  const h = crypto.createHash('sha1');
  h.update(String(EXTRACTOR_VERSION)).update(queryText('facts.scm')).update(knowledgeFingerprint(k));
  h.update(fs.readFileSync(grammarPath()));
  return h.digest('hex');
}
