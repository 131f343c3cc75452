// Worker thread: owns one parser, indexes the files it is sent, returns their facts.
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCParser, wasmBackend } from './parser';
import { knowledgeFor } from './knowledge';
import { indexFile, makeFileIndexContext } from './file-indexer';
import { encodeFile, type StoredFile } from './codec';
import type { SkippedFile } from './types';
import { runInBackground } from './background-thread';

/** `parse-only` is the benchmark's floor: read and parse the raw file, nothing else. */
export interface WorkerInit { root: string; parseTimeoutMs?: number; mode?: 'index' | 'parse-only' }
export type ToWorker = { type: 'batch'; id: number; files: string[] } | { type: 'stop' };
/** Results travel encoded: a few strings per file clone far faster than nested objects. */
export type WorkerResult = { ok: true; stored: StoredFile } | { ok: false; skip: SkippedFile };
export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; results: WorkerResult[] } | { type: 'fatal'; message: string };

async function main() {
  runInBackground();
  const port = parentPort!;
  const init = workerData as WorkerInit;
  try {
    const cparser = await loadCParser();
    const knowledge = knowledgeFor(init.root);
    const backend = wasmBackend(cparser);
    const ctx = makeFileIndexContext(backend, knowledge, init.parseTimeoutMs);
    port.on('message', (msg: ToWorker) => {
      if (msg.type === 'stop') {
        port.close();
        return;
      }
      // Guarded: an exception here would kill the thread and, with it, the batch's answer. Every
      // batch is answered, each file with its facts or its reason.
      try {
        if (init.mode === 'parse-only') {
          for (const f of msg.files) {
            const r = backend.parse(fs.readFileSync(path.join(init.root, f), 'utf8'), init.parseTimeoutMs ?? 20_000);
            if (r.ok) r.parsed.free();
          }
          port.postMessage({ type: 'result', id: msg.id, results: [] } satisfies FromWorker);
          return;
        }
        const results = msg.files.map((f): WorkerResult => {
          try {
            const r = indexFile(ctx, path.join(init.root, f), f);
            return r.ok ? { ok: true, stored: encodeFile(r.facts) } : r;
          } catch (e) {
            return { ok: false, skip: { path: f, reason: `indexing failed: ${(e as Error).message}` } };
          }
        });
        port.postMessage({ type: 'result', id: msg.id, results } satisfies FromWorker);
      } catch (e) {
        const reason = `index worker failed on this batch: ${(e as Error).message}`;
        port.postMessage({ type: 'result', id: msg.id, results: msg.files.map((f) => ({ ok: false as const, skip: { path: f, reason } })) } satisfies FromWorker);
      }
    });
    port.postMessage({ type: 'ready' } satisfies FromWorker);
  } catch (e) {
    port.postMessage({ type: 'fatal', message: (e as Error).message } satisfies FromWorker);
  }
}

void main();
