// The index worker pool survives a dead worker: the files the worker held are skipped with the
// cause (the next open indexes them again), a new worker takes its place, and every other file is
// indexed. The worker is a real thread, terminated from outside as a crash or an OOM kill would.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { indexInPool } from '../../server/src/engine/pool';
import type { WorkerResult } from '../../server/src/engine/index-worker';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';

test('a worker killed mid-index is replaced, and only its files are skipped, with the reason', async () => {
  const files = Array.from({ length: 120 }, (_, i) => `net/f${i}.c`);
  // A file that takes the worker a while (about 1 MB of functions): killed while it holds it,
  // the worker cannot have answered, whatever the machine's speed.
  const slow = 'net/slow.c';
  const slowText = Array.from({ length: 25_000 }, (_, i) => `static int slow_${i}(int a)\n{\n\treturn a + ${i};\n}\n`).join('');
  // The other files are not trivial either (300 functions each): a pool replaces a dead worker only
  // while files are left to send, and 80 one-line files could all be done by the live worker
  // before the dead one's exit is seen, on a loaded machine (then no replacement is needed).
  const body = (i: number) => Array.from({ length: 300 }, (_, k) => `int fn_${i}_${k}(void)\n{\n\treturn ${k};\n}\n`).join('');
  const root = makeFakeTree({ ...Object.fromEntries(files.map((f, i) => [f, body(i)])), [slow]: slowText });
  const all = [...files.slice(0, 40), slow, ...files.slice(40)];
  const started: Worker[] = [];
  const results: WorkerResult[] = [];
  const batchSize = 4;
  let killed = false;
  try {
    await indexInPool(all, {
      root, workers: 2, batchSize,
      onWorkerStarted: (w) => started.push(w),
      onBatchSent: (w, batch) => {
        if (!killed && batch.includes(slow)) {
          killed = true;
          void w.terminate();
        }
      },
      onResult: (r) => results.push(r),
    });
    assert.ok(killed);
    const paths = results.map((r) => (r.ok ? r.stored.path : r.skip.path));
    assert.deepEqual([...paths].sort(), [...all].sort(), 'every file answered exactly once');
    const skipped = results.flatMap((r) => (r.ok ? [] : [r.skip]));
    assert.ok(skipped.some((s) => s.path === slow), `${slow} is among the skipped: ${skipped.map((s) => s.path).join(', ')}`);
    assert.ok(skipped.length <= 2 * batchSize, `${skipped.length} skipped: at most the two batches the worker held`);
    for (const s of skipped) assert.match(s.reason, /^index worker died while indexing it \(exited with code 1\)$/);
    assert.equal(results.filter((r) => r.ok).length, all.length - skipped.length);
    assert.equal(started.length, 3, 'two workers and one replacement');
  } finally {
    removeTree(root);
  }
});
