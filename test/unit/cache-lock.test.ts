// The index cache's write lock: a second writer waits for the first (bounded), a lock left by a
// dead process is taken over, and an open of the index waits for a writer before reading the
// manifest. The "other process" is a real child process whose pid is in the lock.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheBusyError, lockCache, type LockOwner } from '../../server/src/engine/cache-lock';
import { KernelIndex } from '../../server/src/engine/indexer';
import { shardOf } from '../../server/src/engine/store';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';

/** A live process to hold the lock, killed at the end. */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill() };
}

function holdAs(dir: string, pid: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid, host: os.hostname(), since: new Date().toISOString() } satisfies LockOwner));
}

test('a lock held by a live process makes the next writer wait, then give up with its pid; released, it is taken', async () => {
  const dir = tempCache('lock');
  const other = otherProcess();
  try {
    holdAs(dir, other.pid);
    const waits: Array<LockOwner | undefined> = [];
    const started = Date.now();
    await assert.rejects(lockCache(dir, { waitMs: 400, onWait: (o) => waits.push(o) }), (e: Error) => e instanceof CacheBusyError && e.message.includes(`pid ${other.pid}`));
    assert.ok(Date.now() - started >= 400, 'it waited');
    assert.deepEqual(waits.map((o) => o?.pid), [other.pid], 'told once, with the owner');
    // The other writer finishes while we wait: we get the lock.
    const waiting = lockCache(dir, { waitMs: 10_000 });
    setTimeout(() => fs.rmSync(path.join(dir, 'lock')), 300);
    const release = await waiting;
    assert.equal((JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')) as LockOwner).pid, process.pid);
    release();
    assert.equal(fs.existsSync(path.join(dir, 'lock')), false);
  } finally {
    other.stop();
    removeTree(dir);
  }
});

test('a lock left by a process that died is taken over at once', async () => {
  const dir = tempCache('lock-dead');
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    holdAs(dir, Number(dead.stdout));
    const started = Date.now();
    const release = await lockCache(dir, { waitMs: 5_000 });
    assert.ok(Date.now() - started < 1_000);
    release();
  } finally {
    removeTree(dir);
  }
});

test('an open of a tree the cache does not match waits for another process writing it; an open of a current one reads it at once', async () => {
  const root = makeFakeTree({ 'net/a.c': 'int a(void)\n{\n\treturn 0;\n}\n', 'net/b.c': 'int b(void)\n{\n\treturn 1;\n}\n' });
  const cache = tempCache('lock-open');
  const other = otherProcess();
  try {
    const first = await KernelIndex.open(root, { cacheRoot: cache });
    assert.equal(first.stats().indexed > 0, true);
    holdAs(first.cacheDir, other.pid);
    // Current for every file: a reader needs no writer's lock.
    const noWait: number[] = [];
    const current = await KernelIndex.open(root, { cacheRoot: cache, onLockWait: (o) => noWait.push(o?.pid ?? -1) });
    assert.deepEqual(noWait, [], 'a current cache is read without waiting');
    assert.equal(current.stats().indexed, 0);
    assert.deepEqual([...current.files.keys()].sort(), [...first.files.keys()].sort());
    // A file changed since: the cache must be written, so the open waits for the other writer.
    fs.writeFileSync(path.join(root, 'net/a.c'), 'int a(void)\n{\n\treturn 2;\n}\n');
    fs.utimesSync(path.join(root, 'net/a.c'), new Date(), new Date(Date.now() + 5000));
    const waits: number[] = [];
    const opening = KernelIndex.open(root, { cacheRoot: cache, onLockWait: (o) => waits.push(o?.pid ?? -1) });
    let opened = false;
    void opening.then(() => (opened = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(opened, false, 'the open waits while the other process holds the lock');
    assert.deepEqual(waits, [other.pid]);
    fs.rmSync(path.join(first.cacheDir, 'lock'));
    const second = await opening;
    assert.equal(second.stats().indexed, 1, 'the changed file indexed, the other from the cache');
    assert.equal(fs.existsSync(path.join(first.cacheDir, 'lock')), false, 'released');
  } finally {
    other.stop();
    removeTree(root);
    removeTree(cache);
  }
});

test('an index notices when another process wrote its manifest', async () => {
  const root = makeFakeTree({ 'net/a.c': 'int a(void)\n{\n\treturn 0;\n}\n' });
  const cache = tempCache('lock-changed');
  try {
    const mine = await KernelIndex.open(root, { cacheRoot: cache });
    assert.equal(mine.changedOnDisk(), false);
    await mine.reindexFile('net/a.c', 'int a2(void)\n{\n\treturn 0;\n}\n', 2);
    assert.equal(mine.changedOnDisk(), false, 'its own writes are not another process');
    // Another process (here another index of the same cache) writes: the disk version of net/a.c.
    const other = await KernelIndex.open(root, { cacheRoot: cache });
    assert.equal(other.stats().indexed, 1);
    assert.equal(mine.changedOnDisk(), true);
  } finally {
    removeTree(root);
    removeTree(cache);
  }
});

test('an index keeps working when another process rewrote one of its shards (manifest re-read)', async () => {
  // Many files, so the shard of the edited file holds others whose facts are read back from disk.
  const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`net/f${i}.c`, `int f${i}(void)\n{\n\treturn 0;\n}\n`]));
  const root = makeFakeTree(files);
  const cache = tempCache('lock-shard');
  try {
    const mine = await KernelIndex.open(root, { cacheRoot: cache });
    await mine.reindexFile('net/f1.c', 'int g1(void)\n{\n\treturn 0;\n}\n', 2);
    // Another process opens the same cache: net/f1.c differs from the disk, so it indexes it again
    // and rewrites its shard.
    const other = await KernelIndex.open(root, { cacheRoot: cache });
    assert.equal(other.stats().indexed, 1);
    await mine.reindexFile('net/f1.c', 'int g2(void)\n{\n\treturn 0;\n}\n', 3);
    assert.deepEqual(mine.files.get('net/f1.c')?.functions.map((f) => f.name), ['g2']);
    const neighbours = Object.keys(files).filter((f) => f !== 'net/f1.c' && shardOf(f) === shardOf('net/f1.c'));
    assert.ok(neighbours.length > 0);
    for (const f of neighbours) assert.equal(mine.files.get(f)?.functions.length, 1, f);
    // What it wrote is a consistent cache: the next open trusts all but the unsaved buffer.
    const next = await KernelIndex.open(root, { cacheRoot: cache });
    assert.equal(next.stats().indexed, 1);
  } finally {
    removeTree(root);
    removeTree(cache);
  }
});
