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
  const root = makeFakeTree(Object.fromEntries(files.map((f, i) => [f, `int fn_${i}(void)\n{\n\treturn ${i};\n}\n`])));
  const started: Worker[] = [];
  const results: WorkerResult[] = [];
  const batchSize = 4;
  try {
    await indexInPool(files, {
      root, workers: 2, batchSize,
      onWorkerStarted: (w) => started.push(w),
      onResult: (r) => {
        results.push(r);
        // The first worker always holds a batch here: it was sent two at start and is sent one per answer.
        if (results.length === 1) void started[0].terminate();
      },
    });
    const paths = results.map((r) => (r.ok ? r.stored.path : r.skip.path));
    assert.deepEqual([...paths].sort(), [...files].sort(), 'every file answered exactly once');
    const skipped = results.flatMap((r) => (r.ok ? [] : [r.skip]));
    assert.ok(skipped.length >= 1 && skipped.length <= 2 * batchSize, `${skipped.length} skipped`);
    for (const s of skipped) assert.match(s.reason, /^index worker died while indexing it \(exited with code 1\)$/);
    assert.equal(results.filter((r) => r.ok).length, files.length - skipped.length);
    assert.equal(started.length, 3, 'two workers and one replacement');
  } finally {
    removeTree(root);
  }
});
