// The server's event-loop watch names a stall and what started during it (the cause of a late
// answer), and a reset starts a new window.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventLoopWatch, STALL_MS } from '../../server/src/features/event-loop-watch';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a synchronous block longer than the stall threshold is recorded with what was started', async () => {
  const watch = new EventLoopWatch();
  try {
    await sleep(60); // the ticker runs
    watch.note('restoring the call graph');
    const until = performance.now() + 3 * STALL_MS;
    while (performance.now() < until) { /* the main thread is busy, as in a long synchronous task */ }
    await sleep(60); // the next tick sees how late it is
    const h = watch.health(true);
    const stall = h.stalls.find((s) => s.during.includes('restoring the call graph'));
    assert.ok(stall, JSON.stringify(h.stalls));
    assert.ok(stall.ms >= 2 * STALL_MS, `stall of ${stall.ms} ms for a ${3 * STALL_MS} ms block`);
    assert.ok(h.eventLoop.maxMs >= 2 * STALL_MS, `histogram max ${h.eventLoop.maxMs} ms`);
    assert.ok(h.rssMB > 0 && h.heapUsedMB > 0);
    const after = watch.health(false);
    assert.deepEqual(after.stalls, [], 'the reset started a new window');
  } finally {
    watch.dispose();
  }
});
