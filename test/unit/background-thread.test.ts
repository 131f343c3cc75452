// A worker thread that calls runInBackground() gets the background nice value; the thread that
// answers requests (this one) keeps its own. Read from /proc, as the scheduler sees them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BACKGROUND_NICE } from '../../server/src/engine/background-thread';

/** Nice value of each thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

test('runInBackground lowers only the worker thread that calls it', async () => {
  const before = niceByThread();
  const mine = os.getPriority(0);
  const script = path.resolve(__dirname, '../../server/src/engine/background-thread.ts');
  const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)}).runInBackground(); require('node:worker_threads').parentPort.postMessage('lowered');`, { eval: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the worker did not answer in 30 s')), 30_000);
      w.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      w.once('error', reject);
    });
    const after = niceByThread();
    const lowered = [...after].filter(([tid, nice]) => nice === BACKGROUND_NICE && before.get(tid) !== BACKGROUND_NICE);
    assert.equal(lowered.length, 1, `threads newly at nice ${BACKGROUND_NICE}: ${JSON.stringify([...after])}`);
    assert.equal(os.getPriority(0), mine, 'this thread keeps its priority');
    assert.equal(after.get(process.pid), before.get(process.pid), 'the main thread keeps its priority');
  } finally {
    await w.terminate();
  }
});
