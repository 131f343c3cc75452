// A bounded pool of index workers. Each worker holds at most two batches, so memory stays
// flat however large the tree is; results stream back through onResult.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit, WorkerResult } from './index-worker';

export interface PoolOptions {
  root: string;
  workers?: number;
  batchSize?: number;
  parseTimeoutMs?: number;
  mode?: WorkerInit['mode'];
  onResult: (r: WorkerResult) => void;
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
  /** Called with every worker thread the pool starts, replacements included (diagnostics, tests). */
  onWorkerStarted?: (w: Worker) => void;
  /** Called when a batch of files is sent to a worker (diagnostics, tests). */
  onBatchSent?: (w: Worker, files: readonly string[]) => void;
}

/** A pool gives up after this many dead workers per worker it started with. */
const MAX_REPLACEMENTS_PER_WORKER = 4;

/** Old-space limit per worker; the largest file allowed (maxFileBytes) extracts well within it. */
const WORKER_HEAP_MB = 256;

export class CancelledError extends Error {
  constructor() {
    super('indexing cancelled');
    this.name = 'CancelledError';
  }
}

function workerScript(): string {
  const js = path.join(__dirname, 'index-worker.js');
  if (fs.existsSync(js)) return js;
  return path.join(__dirname, 'index-worker.ts'); // running from source under tsx
}

/**
 * Workers when none are asked for: one per core, capped (the `netpath.workers` description says
 * so): past this the merge and shard writes on the main thread are the limit, and each worker
 * holds its own parser and heap.
 */
export const MAX_DEFAULT_WORKERS = 8;

export function defaultWorkers(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, os.availableParallelism()));
}

export async function indexInPool(files: string[], opts: PoolOptions): Promise<void> {
  if (files.length === 0) return;
  const n = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), Math.ceil(files.length / 4)));
  const batch = opts.batchSize ?? 8;
  let next = 0;
  let done = 0;
  let nextId = 0;
  /** Replacements allowed for dead workers, so a fault that kills every worker still ends the run. */
  let replacementsLeft = n * MAX_REPLACEMENTS_PER_WORKER;
  const script = workerScript();
  const init: WorkerInit = { root: opts.root, parseTimeoutMs: opts.parseTimeoutMs, mode: opts.mode };
  await new Promise<void>((resolve, reject) => {
    const live = new Set<Worker>();
    let finished = false;
    /** Batches sent and not answered, with the worker holding each. */
    const inflight = new Map<number, { files: string[]; worker: Worker }>();
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      for (const w of live) void w.terminate();
      if (err) reject(err);
      else resolve();
    };
    const allDone = () => next >= files.length && inflight.size === 0;
    const feed = (w: Worker) => {
      if (opts.isCancelled?.()) return finish(new CancelledError());
      if (next >= files.length) {
        if (allDone()) finish();
        return;
      }
      const slice = files.slice(next, next + batch);
      next += slice.length;
      const id = nextId++;
      inflight.set(id, { files: slice, worker: w });
      w.postMessage({ type: 'batch', id, files: slice } satisfies ToWorker);
      opts.onBatchSent?.(w, slice);
    };
    /**
     * A worker died (crashed, ran out of memory, was terminated): the files it held are skipped
     * with the cause (the next open indexes them again), and a new worker takes its place.
     */
    const died = (w: Worker, cause: string) => {
      if (finished || !live.delete(w)) return;
      for (const [id, b] of inflight) {
        if (b.worker !== w) continue;
        inflight.delete(id);
        for (const f of b.files) opts.onResult({ ok: false, skip: { path: f, reason: `index worker died while indexing it (${cause})` } });
        done += b.files.length;
        opts.onProgress?.(done, files.length);
      }
      if (allDone()) return finish();
      if (next >= files.length && live.size > 0) return; // the others finish what is in flight
      if (replacementsLeft-- <= 0) return finish(new Error(`index workers keep dying (last: ${cause}); giving up`));
      start();
    };
    const start = () => {
      // From source (tests run under tsx) the worker must register the TypeScript loader itself.
      // A worker's garbage is mostly short-lived extraction objects; a modest old-space limit
      // makes V8 collect it early instead of letting each worker grow by hundreds of MB.
      const options = { workerData: init, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } };
      const w = script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { ...options, eval: true })
        : new Worker(script, options);
      live.add(w);
      opts.onWorkerStarted?.(w);
      w.on('message', (msg: FromWorker) => {
        if (finished) return;
        if (msg.type === 'fatal') return finish(new Error(`index worker failed to start: ${msg.message}`));
        if (msg.type === 'ready') {
          feed(w);
          feed(w);
          return;
        }
        const b = inflight.get(msg.id);
        if (!b) return; // answered after its worker was given up for dead
        inflight.delete(msg.id);
        for (const r of msg.results) opts.onResult(r);
        done += b.files.length;
        opts.onProgress?.(done, files.length);
        feed(w);
      });
      w.on('error', (e) => died(w, `crashed: ${e.message}`));
      w.on('exit', (code) => died(w, `exited with code ${code}`));
    };
    for (let i = 0; i < n; i++) start();
  });
}
