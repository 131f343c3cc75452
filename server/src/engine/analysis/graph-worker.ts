// Worker thread: builds the call graph of the index as the cache on disk holds it, writes the
// graph file beside the index, and hands the bytes back (transferred, not copied). The main
// thread never runs the multi-second build; it restores the graph from these bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { KernelIndex } from '../indexer';
import { CallGraph } from '../callgraph/graph';
import { encodeGraph, graphKey, loadGraphFile, saveGraphFile } from '../callgraph/graph-store';
import { runInBackground } from '../background-thread';

/** `engine`: the extractor fingerprint of the main thread's index, so a rebuilt dist/ cannot disown its cache. */
export interface GraphWorkerInit { root: string; scope: string[]; cacheRoot?: string; engine: string }
export type FromGraphWorker =
  | { type: 'progress'; message: string }
  /** `key` is the graph key of the state the worker found on disk; `bytes` absent when a matching file was already there. */
  | { type: 'done'; key: string; bytes?: ArrayBuffer; seconds: number; saved: boolean; note?: string }
  | { type: 'failed'; message: string };

function main(): void {
  runInBackground();
  const port = parentPort!;
  const init = workerData as GraphWorkerInit;
  const post = (m: FromGraphWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  try {
    post({ type: 'progress', message: 'reading the index cache' });
    const problems: string[] = [];
    const idx = KernelIndex.openCached(init.root, { scope: init.scope, cacheRoot: init.cacheRoot, engine: init.engine, log: (_level, m) => problems.push(m) });
    const state = idx?.stateFingerprint();
    if (!idx || !state) return post({ type: 'failed', message: `the index cache on disk is not usable: ${problems.join('; ') || 'unknown reason'}` });
    const key = graphKey(state);
    // Another build (a previous request, a CLI run) may have written it meanwhile.
    const existing = loadGraphFile(idx.cacheDir, key, idx.files);
    if ('graph' in existing) return post({ type: 'done', key, seconds: 0, saved: true });
    post({ type: 'progress', message: `resolving calls in ${idx.files.size.toLocaleString('en-US')} files` });
    const started = process.hrtime.bigint();
    // Only the stored lists the build still reads are held; the shards are unloaded after it.
    const graph = CallGraph.build(idx.files, idx.knowledge, { reading: (lists) => idx.keepStoredLists(lists) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    post({ type: 'progress', message: `${graph.edgeCount.toLocaleString('en-US')} calls; saving` });
    const bytes = encodeGraph(graph, key, seconds);
    // The graph of a state with unsaved buffers (bufferStamp: mtime 0) is handed over, not
    // saved: it would replace the graph of the files on disk, which the editor returns to when
    // the buffer is saved or closed, and which the CLI reads.
    const unsaved = [...idx.files.values()].some((f) => f.mtimeMs === 0 && f.size < 0);
    let saved = false;
    let note: string | undefined;
    if (!unsaved) {
      try {
        saveGraphFile(idx.cacheDir, bytes);
        saved = true;
      } catch (e) {
        note = `could not save the call graph in ${idx.cacheDir}: ${(e as Error).message}`;
      }
    }
    // A Buffer may share a pooled ArrayBuffer: transfer an exact copy.
    const out = bytes.buffer.byteLength === bytes.length && bytes.byteOffset === 0 ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    post({ type: 'done', key, bytes: out as ArrayBuffer, seconds, saved, ...(note ? { note } : {}) }, [out as ArrayBuffer]);
  } catch (e) {
    post({ type: 'failed', message: (e as Error).stack ?? (e as Error).message });
  }
}

main();
