// The analysis snapshot, after rust-analyzer's AnalysisHost/Analysis: the host follows the
// index (every full open, reindexFile and removeFile bumps its version) and hands out one
// immutable Analysis per version. Derived data - the call graph, the drop-site engine with its
// counter map, the receive-path functions - is computed lazily, at most once per version, and
// shared by every reader of that version. An edit makes a new version, so the next request sees
// a new analysis: nothing is served stale after an edit.
//
// The graph of a version is loaded from the graph file beside the index when its fingerprint
// matches (graph-store.ts); otherwise it is built and saved. With `worker: true` (the language
// server) the build runs in a worker thread that reads the index as the cache on disk holds it:
// every change is persisted before its version exists, unsaved buffers included (reindexFile
// stores them with mtime 0 and their content in the shard checksum), so the disk describes the
// version exactly. Only when memory differs from disk (a cache folder that cannot be written)
// is the graph built in this thread, with a warning.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SOCKET_ENQUEUE_FUNCTIONS } from '../../../../shared/receive-path-ends';
import { CallGraph } from '../callgraph/graph';
import { GraphFileError, graphKey, loadGraphFile, loadGraphFileSliced, restoreGraphSliced, writeGraphFile, type LoadOutcome } from '../callgraph/graph-store';
import { DropEngine } from '../drops/engine';
import { drain, due, sliced, type Steps } from '../slices';
import type { IndexView, KernelIndex, LogLevel } from '../indexer';
import type { FromGraphWorker, GraphWorkerInit } from './graph-worker';

/** How a version's graph was obtained. */
export type GraphSource = 'loaded' | 'built' | 'built-in-process';

export interface GraphInfo {
  source: GraphSource;
  /** Wall time to obtain it (load, or build plus save plus load). */
  seconds: number;
  /** Size of the graph file, when there is one. */
  bytes?: number;
  /** Why the persisted graph was not used, when it was not. */
  problem?: string;
}

export interface AnalysisProgress {
  revision: number;
  message: string;
  done: boolean;
}

export interface HostOptions {
  log?: (level: LogLevel, message: string) => void;
  /** Build graphs in a worker thread (the language server); otherwise in this thread (CLI, tests). */
  worker?: boolean;
  /** Ignore the graph file and build again (netpath index --rebuild). */
  rebuild?: boolean;
  /** Do not write the graph file. */
  noSave?: boolean;
  onProgress?: (p: AnalysisProgress) => void;
}

/**
 * The graph worker hit its heap limit. Kept as this version's answer (no retry, and never a build
 * in this thread, which would take the whole server down): what needs no graph still answers.
 */
export class GraphOutOfMemoryError extends Error {
  constructor(limitMB: number | undefined, files: number) {
    super(`call graph worker ran out of memory (${limitMB ? `limit ${limitMB} MB` : 'its default heap limit'}) building the graph of ${files.toLocaleString('en-US')} files; ` +
      'features that need the call graph are unavailable for this index version (a smaller netpath.scope fits)');
    this.name = 'GraphOutOfMemoryError';
  }
}

/** A newer version of the index exists: the reader should ask the host for the current analysis. */
export class StaleAnalysisError extends Error {
  constructor(revision: number) {
    super(`analysis ${revision} is stale: the index changed`);
    this.name = 'StaleAnalysisError';
  }
}

export class AnalysisHost {
  private index: KernelIndex | undefined;
  private current: Analysis | undefined;
  private revision = 0;
  /** The graph build running in a worker, if any: at most one at a time. */
  private inflight: Promise<WorkerOutcome> | undefined;

  constructor(readonly opts: HostOptions = {}) {}

  /** A new index (full open): every analysis of the previous one is stale. */
  setIndex(index: KernelIndex | undefined): void {
    this.index = index;
    // The previous index's analysis (its graph, drop engine, counter map) must not outlive it
    // until the next request: after a re-open it would double the server's heap meanwhile.
    if (this.current && this.current.source !== index) this.current = undefined;
  }

  /** The analysis of the index as it is now: the same object until the index changes. */
  analysis(): Analysis | undefined {
    const idx = this.index;
    if (!idx) return undefined;
    const c = this.current;
    if (c && c.source === idx && c.indexVersion === idx.version) return c;
    this.current = new Analysis(this, ++this.revision, idx);
    return this.current;
  }

  /** True while `a` is the analysis of the index as it is now. */
  isCurrent(a: Analysis): boolean {
    return this.index === a.source && a.source.version === a.indexVersion;
  }

  /** Builds the graph of what the cache on disk holds, in a worker; joins a build already running. */
  buildInWorker(a: Analysis): Promise<WorkerOutcome> {
    if (this.inflight) return this.inflight;
    const run = runGraphWorker(a.view, a.source.engine, (message) => this.opts.onProgress?.({ revision: a.revision, message, done: false }));
    this.inflight = run;
    const clear = () => {
      if (this.inflight === run) this.inflight = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  log(level: LogLevel, message: string): void {
    this.opts.log?.(level, message);
  }
}

/** One version of the index and what is derived from it, each computed once, on first use. */
export class Analysis {
  /** What readers see of the index: this version's files, whatever edits come later. */
  readonly view: IndexView;
  readonly indexVersion: number;
  /** Key a graph file must carry to serve this version; undefined when memory differs from disk. */
  readonly graphKey: string | undefined;
  graphInfo: GraphInfo | undefined;
  private graphP: Promise<CallGraph> | undefined;
  private dropsP: Promise<DropEngine> | undefined;
  private receiveP: Promise<Set<string>> | undefined;

  constructor(private readonly host: AnalysisHost, readonly revision: number, readonly source: KernelIndex) {
    this.indexVersion = source.version;
    this.view = {
      root: source.root, scope: source.scope, knowledge: source.knowledge, kbuild: source.kbuild,
      files: new Map(source.files), buffers: new Map(source.buffers), cacheDir: source.cacheDir,
    };
    const state = source.stateFingerprint();
    this.graphKey = state ? graphKey(state) : undefined;
  }

  /** True when the graph is there: reading it will not wait. */
  get graphReady(): boolean {
    return this.graphInfo !== undefined;
  }

  graph(): Promise<CallGraph> {
    if (!this.graphP) {
      const p = this.obtainGraph();
      this.graphP = p;
      // A failed or stale attempt is not kept: the next reader tries again. Running out of
      // memory is kept: the same index would run out again.
      p.catch((e: unknown) => {
        if (this.graphP === p && !(e instanceof GraphOutOfMemoryError)) this.graphP = undefined;
      });
    }
    return this.graphP;
  }

  /** The drop-site engine of this version (its counter map and per-file results are shared). */
  drops(): Promise<DropEngine> {
    return (this.dropsP ??= this.once(this.graph().then((g) => new DropEngine(this.view, g)), () => (this.dropsP = undefined)));
  }

  /** "file|function" of the functions on a chain from a NAPI poll function to a socket-enqueue function. */
  receivePathFunctions(): Promise<Set<string>> {
    return (this.receiveP ??= this.once(this.graph().then((g) => sliced(receivePathSteps(g, this.view.knowledge.napiPoll))), () => (this.receiveP = undefined)));
  }

  /** `p`, forgotten (by `forget`) if it fails, so the next reader tries again. */
  private once<T>(p: Promise<T>, forget: () => void): Promise<T> {
    p.catch(forget);
    return p;
  }

  private async obtainGraph(): Promise<CallGraph> {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const progress = (message: string, done = false) => this.host.opts.onProgress?.({ revision: this.revision, message, done });
    const { opts } = this.host;
    try {
      let problem: string | undefined;
      if (!this.graphKey) {
        problem = 'the index cache on disk differs from memory (not writable?)';
      } else if (opts.rebuild) {
        problem = 'rebuild asked for';
      } else {
        progress('loading the call graph');
        // The server restores in slices: requests keep being answered while it reads ~30 MB.
        const loaded = opts.worker ? await loadGraphFileSliced(this.view.cacheDir, this.graphKey, this.view.files) : loadGraphFile(this.view.cacheDir, this.graphKey, this.view.files);
        if ('graph' in loaded) return this.done(loaded.graph, { source: 'loaded', seconds: elapsed(), bytes: loaded.bytes });
        problem = loaded.problem;
      }
      this.host.log('info', `call graph: ${problem}; building it`);
      if (opts.worker && this.graphKey && !opts.rebuild) {
        for (let attempt = 0; attempt < 2; attempt++) {
          let out: WorkerOutcome;
          try {
            out = await this.host.buildInWorker(this);
          } catch (e) {
            if (e instanceof GraphOutOfMemoryError) {
              this.host.log('error', e.message);
              throw e;
            }
            // A shard rewritten while the worker read it, or a worker that could not start.
            this.host.log('warn', `call graph: ${(e as Error).message}`);
            if (!this.host.isCurrent(this)) throw new StaleAnalysisError(this.revision);
            continue;
          }
          if (out.key === this.graphKey) {
            if (out.note) this.host.log('warn', out.note);
            let again: LoadOutcome;
            try {
              progress('restoring the call graph');
              again = out.bytes
                ? { graph: await restoreGraphSliced(out.bytes, this.graphKey, this.view.files), seconds: 0, bytes: out.bytes.length }
                : await loadGraphFileSliced(this.view.cacheDir, this.graphKey, this.view.files);
            } catch (e) {
              // A worker script of another version (dist/ replaced while the server runs).
              if (!(e instanceof GraphFileError)) throw e;
              again = { problem: e.message };
            }
            if ('graph' in again) return this.done(again.graph, { source: 'built', seconds: elapsed(), bytes: again.bytes, problem });
            this.host.log('warn', `call graph: the worker's graph was not usable: ${again.problem}`);
            break;
          }
          // The disk moved on: this version is superseded, or another process changed the cache.
          if (!this.host.isCurrent(this)) throw new StaleAnalysisError(this.revision);
        }
        this.host.log('warn', 'call graph: no worker build matched this index (cache changed by another process?); building in this thread');
      }
      progress('building the call graph');
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the progress reach the client first
      const t0 = process.hrtime.bigint();
      // The index holds only the stored lists the build still reads, and unloads its shards after
      // (the facts' stored text is not needed to save the graph: read again on demand).
      const graph = CallGraph.build(this.view.files, this.view.knowledge, { reading: (lists) => this.source.keepStoredLists(lists) });
      const buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let bytes: number | undefined;
      if (this.graphKey && !opts.noSave) {
        try {
          bytes = writeGraphFile(this.view.cacheDir, graph, this.graphKey, buildSeconds);
        } catch (e) {
          this.host.log('warn', `could not save the call graph in ${this.view.cacheDir}: ${(e as Error).message}`);
        }
      }
      return this.done(graph, { source: opts.worker ? 'built-in-process' : 'built', seconds: elapsed(), ...(bytes ? { bytes } : {}), problem });
    } finally {
      progress('', true);
    }
  }

  private done(graph: CallGraph, info: GraphInfo): CallGraph {
    this.graphInfo = info;
    const size = info.bytes ? `, ${(info.bytes / 1e6).toFixed(1)} MB` : '';
    this.host.log('info', `call graph ${info.source} (version ${this.revision}): ${graph.nodes.length} functions, ${graph.edgeCount} calls in ${info.seconds.toFixed(2)} s${size}`);
    return graph;
  }
}

/** Functions reachable from a NAPI poll handler that also reach a socket-enqueue function. */
export function receivePathFunctions(graph: CallGraph, napi: { struct: string; field: string }): Set<string> {
  return drain(receivePathSteps(graph, napi));
}

/** receivePathFunctions as steps: two walks over the whole graph, a few hundred ms on the default scope. */
export function* receivePathSteps(graph: CallGraph, napi: { struct: string; field: string }): Steps<Set<string>> {
  const starts = (graph.flows.get(napi.field) ?? []).filter((f) => f.struct === napi.struct).map((f) => f.fn);
  const ends = SOCKET_ENQUEUE_FUNCTIONS.flatMap((n) => graph.idsOf(n));
  function* reach(from: number[], next: (id: number) => number[]): Steps<Set<number>> {
    const seen = new Set(from);
    let n = 0;
    for (const queue = [...from]; queue.length;) {
      for (const to of next(queue.pop()!)) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
      if (due(n++, 1024)) yield;
    }
    return seen;
  }
  const forward = yield* reach(starts, (id) => Array.from(graph.outOf(id), (e) => graph.edgeTo(e)));
  const backward = yield* reach(ends, (id) => Array.from(graph.inOf(id), (e) => graph.edgeFrom(e)));
  const out = new Set<string>();
  for (const id of forward) if (backward.has(id)) out.add(`${graph.nodes[id].file}|${graph.nodes[id].name}`);
  return out;
}

interface WorkerOutcome { key: string; bytes?: Buffer; seconds: number; note?: string }

function workerScript(): string {
  const js = path.join(__dirname, 'graph-worker.js');
  if (fs.existsSync(js)) return js;
  return path.join(__dirname, 'graph-worker.ts'); // running from source under tsx
}

/**
 * The graph worker's old-generation heap limit in MB, when one is set: `NETPATH_GRAPH_WORKER_HEAP_MB`
 * exists for the test that makes the worker run out of memory on purpose. Without it the worker
 * has V8's default limit, and running out of it is reported the same way.
 */
function workerHeapLimitMB(): number | undefined {
  const v = Number(process.env.NETPATH_GRAPH_WORKER_HEAP_MB);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

/** One graph build in a worker thread, on the index as the cache on disk holds it. */
function runGraphWorker(view: IndexView, engine: string, onProgress: (message: string) => void): Promise<WorkerOutcome> {
  // IndexStore keeps an index in <cacheRoot>/index/<key>.
  const init: GraphWorkerInit = { root: view.root, scope: view.scope, cacheRoot: path.dirname(path.dirname(view.cacheDir)), engine };
  const script = workerScript();
  const limitMB = workerHeapLimitMB();
  const options = { workerData: init, ...(limitMB ? { resourceLimits: { maxOldGenerationSizeMb: limitMB } } : {}) };
  return new Promise((resolve, reject) => {
    // From source (tests run under tsx) the worker must register the TypeScript loader itself.
    const w = script.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { eval: true, ...options })
      : new Worker(script, options);
    let settled = false;
    const finish = (err: Error | undefined, out?: WorkerOutcome) => {
      if (settled) return;
      settled = true;
      void w.terminate();
      if (err) reject(err);
      else resolve(out!);
    };
    w.on('message', (m: FromGraphWorker) => {
      if (m.type === 'progress') onProgress(m.message);
      else if (m.type === 'failed') finish(new Error(`call graph worker: ${m.message}`));
      else finish(undefined, { key: m.key, seconds: m.seconds, ...(m.bytes ? { bytes: Buffer.from(m.bytes) } : {}), ...(m.note ? { note: m.note } : {}) });
    });
    w.on('error', (e) => {
      const oom = (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(oom ? new GraphOutOfMemoryError(limitMB, view.files.size) : new Error(`call graph worker crashed: ${e.message}`));
    });
    w.on('exit', (code) => finish(new Error(`call graph worker exited with code ${code}`)));
  });
}
