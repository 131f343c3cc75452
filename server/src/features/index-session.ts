// Owns the kernel index of the workspace: opens it with progress, reports readiness, serialises
// changes to it, and hands it to request handlers once it can answer.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageType, ShowMessageNotification, type CancellationToken, type Connection, type WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { CallGraph } from '../engine/callgraph/graph';
import { AnalysisHost, StaleAnalysisError, type Analysis, type AnalysisProgress } from '../engine/analysis/snapshot';
import { CancelledError, KernelIndex, type IndexStats, type IndexView } from '../engine/indexer';
import { checkKernelTree, NotAKernelTreeError, parseScope } from '../engine/kernel-tree';
import { knowledgeFor } from '../engine/knowledge';
import { lookupInCache } from '../engine/lookup/symbol-lookup';
import type { SymbolLocation } from '../engine/symbols';
import { IndexReadyNotification, IndexStatusNotification, type IndexStatus, type IndexSummary, type NetpathSettings } from '../../../shared/protocol';
import { throwIfCancelled, untilCancelled } from './guard';
import type { Logger } from './logger';
import { eventLoop } from './event-loop-watch';

/** Progress notifications to the client at most this often; $/progress only on whole percents. */
const STATUS_INTERVAL_MS = 250;

export class IndexSession {
  private index: KernelIndex | undefined;
  private folder: string | undefined;
  private status: IndexStatus = { state: 'starting', fileUpdates: 0 };
  private changed = deferred();
  private queue: Promise<unknown> = Promise.resolve();
  private beforeRead: () => Promise<void> = async () => undefined;
  private afterOpen: () => void = () => undefined;
  private disposed = false;
  /** Derived data (call graph, drop engine) per index version; graphs built in a worker thread. */
  private readonly analyses: AnalysisHost;
  private readonly progressListeners = new Set<(p: AnalysisProgress) => void>();

  constructor(private readonly connection: Connection, private readonly log: Logger, public settings: NetpathSettings) {
    this.analyses = new AnalysisHost({
      worker: true,
      log: (level, message) => this.log.log(level, message),
      onProgress: (p) => {
        if (p.message) eventLoop.note(p.message);
        for (const l of this.progressListeners) l(p);
      },
    });
  }

  /** Picks the first workspace folder that is a kernel tree (or the first folder, to report on). */
  setFolders(folders: string[]): void {
    this.folder = folders.find((f) => {
      try {
        checkKernelTree(f);
        return true;
      } catch {
        return false;
      }
    }) ?? folders[0];
  }

  /** Runs before every read, e.g. to apply debounced edits so answers match the buffer. */
  setBeforeRead(fn: () => Promise<void>): void {
    this.beforeRead = fn;
  }

  /** Runs after every successful full open, e.g. to re-apply unsaved buffers over the disk state. */
  setAfterOpen(fn: () => void): void {
    this.afterOpen = fn;
  }

  currentStatus(): IndexStatus {
    return this.status;
  }

  /** The index once it can answer, or undefined when there is none (not a kernel tree, failed). */
  async current(token: CancellationToken): Promise<KernelIndex | undefined> {
    while (!this.index && (this.status.state === 'starting' || this.status.state === 'indexing')) {
      await untilCancelled(this.changed.promise, token);
    }
    // Another process wrote the cache (a CLI `netpath index`): open it again before reading its shards.
    if (this.index?.changedOnDisk()) await untilCancelled(this.enqueue(async () => undefined), token);
    // Pending edits may wait behind a re-index in the queue: a cancelled request stops waiting.
    await untilCancelled(this.beforeRead(), token);
    return this.index;
  }

  /**
   * The analysis of the index as it is now (after pending edits are applied): one per index
   * version, so an edit, a save or a file event gives the next request a new one.
   */
  async analysis(token: CancellationToken): Promise<Analysis | undefined> {
    const index = await this.current(token);
    return index ? this.analyses.analysis() : undefined;
  }

  /**
   * The current analysis with its call graph: loaded from the graph file beside the index when it
   * matches this version, else built in a worker thread (this thread never runs the build).
   * `progress` reports the wait when the graph is not there yet. A request cancelled meanwhile
   * stops waiting; the graph still serves the next request of the same version.
   */
  async callGraph(token: CancellationToken, progress: WorkDoneProgressReporter): Promise<{ index: IndexView; graph: CallGraph; analysis: Analysis } | undefined> {
    let a = await this.analysis(token);
    if (!a) return undefined;
    if (a.graphReady) return { index: a.view, graph: await a.graph(), analysis: a };
    throwIfCancelled(token); // before starting work nobody is waiting for
    progress.begin('netpath: preparing the call graph', undefined, `${a.view.files.size.toLocaleString('en-US')} files`, false);
    const listener = (p: AnalysisProgress) => {
      if (!p.done && p.message) progress.report(p.message);
    };
    this.progressListeners.add(listener);
    try {
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the progress begin reach the client
      for (;;) {
        try {
          const graph = await untilCancelled(a.graph(), token);
          throwIfCancelled(token);
          return { index: a.view, graph, analysis: a };
        } catch (e) {
          if (!(e instanceof StaleAnalysisError)) throw e;
          // The index changed while the graph was being built: read the newer version.
          a = await this.analysis(token);
          if (!a) return undefined;
        }
      }
    } finally {
      this.progressListeners.delete(listener);
      progress.done();
    }
  }

  /**
   * Definitions of `name` from the symbols lookup beside the cache (engine/lookup/), while the
   * index opens or its symbol table is built: the first go-to-definition after a warm start must
   * not wait for either. Undefined when the lookup cannot answer (none, stale, damaged, no entry)
   * or when an editor buffer may differ from the disk (an open document was edited).
   */
  lookupDefinitions(name: string, buffersEdited: boolean): SymbolLocation[] | undefined {
    if (this.index?.symbolsBuilt || buffersEdited || !this.folder) return undefined;
    try {
      const root = this.index?.root ?? checkKernelTree(this.folder);
      const scope = this.index?.scope ?? parseScope(this.settings.scope, knowledgeFor(root).defaultScope);
      const r = lookupInCache(root, scope, this.settings.cacheDirectory || undefined, name);
      if ('problem' in r) {
        this.log.debug(`definition of ${name}: symbols lookup: ${r.problem}; waiting for the index`);
        return undefined;
      }
      return r.answer.d.length ? r.answer.d : undefined;
    } catch (e) {
      this.log.debug(`definition of ${name}: symbols lookup failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The index as it is now, for updates that must not wait for an open. */
  get loaded(): KernelIndex | undefined {
    return this.index;
  }

  /**
   * Runs index mutations one at a time, after any open in progress. When another process wrote
   * the cache meanwhile, the index is opened again first (the manifest re-read), so the work
   * applies to what is on disk now.
   */
  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.index?.changedOnDisk()) {
        this.log.info('the index cache was written by another netpath process; opening it again');
        await this.open();
      }
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  noteFileUpdate(): void {
    this.status = { ...this.status, fileUpdates: this.status.fileUpdates + 1 };
  }

  /** Tree-relative path of a document, or undefined when it is outside the tree. */
  toRelative(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    const abs = fileURLToPath(uri);
    const fromRoot = this.index?.relative(abs);
    if (fromRoot || !this.folder) return fromRoot;
    // The folder the editor opened may be a symlink to the real root the index uses.
    const rel = path.relative(this.folder, abs);
    return !rel || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
  }

  /** URI of a tree-relative path, under the folder as the editor named it. */
  toUri(rel: string): string {
    return pathToFileURL(path.join(this.folder ?? this.index?.root ?? '/', rel)).toString();
  }

  absolute(rel: string): string {
    return path.join(this.folder ?? this.index?.root ?? '/', rel);
  }

  /** A full open from inside queued work (enqueue), which already runs in turn. */
  openNow(): Promise<IndexSummary | null> {
    return this.open();
  }

  /** Full open (first start, re-index command, scope change). Resolves with the new summary or null. */
  reopen(): Promise<IndexSummary | null> {
    const run = this.queue.then(() => this.open());
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    this.disposed = true;
  }

  private async open(): Promise<IndexSummary | null> {
    if (!this.folder) {
      this.fail('netpath: open the top folder of a Linux kernel tree to use netpath (no workspace folder is open).');
      return null;
    }
    try {
      checkKernelTree(this.folder); // before any progress UI: most non-kernel folders stop here
    } catch (e) {
      if (!(e instanceof NotAKernelTreeError)) throw e;
      this.fail(`netpath: ${e.message}`);
      return null;
    }
    this.setStatus({ state: 'indexing', done: 0, total: 0, summary: this.status.summary, fileUpdates: this.status.fileUpdates, message: `indexing ${this.folder}` });
    const reporter = await this.connection.window.createWorkDoneProgress();
    reporter.begin('netpath: indexing the kernel tree', 0, this.folder, true);
    let ended = false;
    const endProgress = () => {
      if (!ended) reporter.done();
      ended = true;
    };
    let userCancelled = false;
    reporter.token.onCancellationRequested(() => (userCancelled = true));
    let lastPercent = -1;
    let lastStatusAt = 0;
    const onProgress = (done: number, total: number) => {
      const percent = total ? Math.floor((done * 100) / total) : 100;
      if (percent !== lastPercent) reporter.report(percent, `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} files`);
      lastPercent = percent;
      const now = Date.now();
      if (now - lastStatusAt >= STATUS_INTERVAL_MS || done === total) {
        lastStatusAt = now;
        this.setStatus({ ...this.status, done, total });
      }
    };
    try {
      const idx = await KernelIndex.open(this.folder, {
        scope: this.settings.scope,
        cacheRoot: this.settings.cacheDirectory || undefined,
        workers: this.settings.workers || undefined,
        onProgress,
        isCancelled: () => userCancelled || this.disposed,
        log: (level, message) => this.log.log(level, message),
        onLockWait: (owner) => {
          const who = owner ? `pid ${owner.pid}` : 'another process';
          this.log.info(`waiting for ${who} writing the index cache`);
          reporter.report(0, `waiting for another netpath process (${who}) writing the index cache`);
        },
      });
      endProgress(); // close the progress UI before announcing readiness
      this.index = idx;
      this.analyses.setIndex(idx);
      const summary = summarise(idx.stats());
      this.log.info(`index ready: ${summary.files} files, ${summary.functions} functions in ${summary.seconds.toFixed(1)} s (${summary.indexed} parsed, ${summary.fromCache} from cache); cache ${idx.cacheDir}`);
      this.setStatus({ state: 'ready', summary, fileUpdates: 0 });
      this.afterOpen();
      // Name lookups are the first thing an editor asks for: build their table now, in slices.
      void idx.symbolsReady().catch((e: Error) => this.log.warn(`symbol table: ${e.message}`));
      void this.connection.sendNotification(IndexReadyNotification, summary);
      return summary;
    } catch (e) {
      if (e instanceof NotAKernelTreeError) {
        this.fail(`netpath: ${e.message}`);
      } else if (e instanceof CancelledError) {
        this.log.info('indexing cancelled');
        if (this.index) this.setStatus({ state: 'ready', summary: this.status.summary, fileUpdates: this.status.fileUpdates, message: 're-index cancelled; serving the previous index' });
        else this.setStatus({ state: 'unavailable', fileUpdates: 0, message: 'indexing cancelled; run "netpath: Re-index the kernel tree" to start again' });
      } else {
        const err = e as Error;
        this.log.error(`indexing failed: ${err.stack ?? err.message}`);
        this.show(MessageType.Error, `netpath: indexing failed: ${err.message}`);
        this.setStatus({ state: this.index ? 'ready' : 'unavailable', summary: this.status.summary, fileUpdates: this.status.fileUpdates, message: `indexing failed: ${err.message}` });
      }
      return null;
    } finally {
      endProgress();
    }
  }

  private fail(message: string): void {
    this.log.warn(message);
    this.show(MessageType.Warning, message);
    this.setStatus({ state: 'unavailable', fileUpdates: 0, message });
  }

  /** window/showMessage: a notification, since there is nothing to choose (showWarningMessage is a request). */
  private show(type: MessageType, message: string): void {
    void this.connection.sendNotification(ShowMessageNotification.type, { type, message });
  }

  private setStatus(status: IndexStatus): void {
    this.status = status;
    void this.connection.sendNotification(IndexStatusNotification, status);
    const waiting = this.changed;
    this.changed = deferred();
    waiting.resolve();
  }
}

function summarise(s: IndexStats): IndexSummary {
  return {
    root: s.root, version: s.version, scope: s.scope, files: s.files, functions: s.functions,
    indexed: s.indexed, fromCache: s.fromCache, skipped: s.skipped, seconds: s.seconds,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
