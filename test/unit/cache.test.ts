// The on-disk index: reused when current, invalidated per file, rebuilt when corrupt.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bufferStamp, KernelIndex } from '../../server/src/engine/indexer';
import { FORMAT_VERSION } from '../../server/src/engine/store';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';

/** Enough files to go through the worker pool, not the in-process path. */
function manyFiles(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`net/m${i}/f${i}.c`] = `static int helper_${i}(int x)\n{\n\treturn x + ${i};\n}\nint entry_${i}(void)\n{\n\treturn helper_${i}(1);\n}\n`;
  return out;
}

function names(idx: KernelIndex): string[] {
  return [...idx.files.values()].flatMap((f) => f.functions.map((x) => `${f.path}:${x.name}`)).sort();
}

function withTree(run: (root: string, cache: string) => Promise<void>) {
  return async () => {
    const root = makeFakeTree(manyFiles(40));
    const cache = tempCache('cache');
    try {
      await run(root, cache);
    } finally {
      removeTree(root);
      removeTree(cache);
    }
  };
}

test('a warm open parses nothing; a changed file is the only one parsed again', withTree(async (root, cache) => {
  const cold = await KernelIndex.open(root, { cacheRoot: cache, workers: 2 });
  assert.equal(cold.stats().indexed, 42);
  const all = names(cold);
  const warm = await KernelIndex.open(root, { cacheRoot: cache });
  assert.equal(warm.stats().indexed, 0);
  assert.equal(warm.stats().fromCache, 42);
  assert.deepEqual(names(warm), all);
  const file = path.join(root, 'net/m7/f7.c');
  fs.writeFileSync(file, 'int replaced_7(void)\n{\n\treturn 7;\n}\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  fs.rmSync(path.join(root, 'net/m8'), { recursive: true });
  const again = await KernelIndex.open(root, { cacheRoot: cache });
  assert.equal(again.stats().indexed, 1);
  assert.deepEqual(again.files.get('net/m7/f7.c')?.functions.map((f) => f.name), ['replaced_7']);
  assert.equal(again.files.has('net/m8/f8.c'), false);
  assert.ok(!fs.readdirSync(path.join(again.cacheDir, 'shards')).some((f) => f.includes('.tmp')), 'no temporary files left behind');
}));

test('a truncated shard is discarded and its files indexed again, with the same result', withTree(async (root, cache) => {
  const first = await KernelIndex.open(root, { cacheRoot: cache, workers: 2 });
  const all = names(first);
  const shards = path.join(first.cacheDir, 'shards');
  const victim = fs.readdirSync(shards).map((f) => path.join(shards, f)).find((f) => fs.statSync(f).size > 50)!;
  fs.truncateSync(victim, Math.floor(fs.statSync(victim).size / 2));
  const logs: string[] = [];
  const again = await KernelIndex.open(root, { cacheRoot: cache, log: (l, m) => logs.push(m) });
  assert.ok(logs.some((m) => /shard \d+ discarded \(checksum mismatch\)/.test(m)), logs.join('\n'));
  assert.ok(again.stats().indexed > 0 && again.stats().indexed < 42);
  assert.deepEqual(names(again), all);
  const third = await KernelIndex.open(root, { cacheRoot: cache });
  assert.equal(third.stats().indexed, 0, 'the rebuilt shard is trusted next time');
}));

test('garbage with a matching checksum cannot slip through: the manifest is checked too', withTree(async (root, cache) => {
  const first = await KernelIndex.open(root, { cacheRoot: cache });
  const all = names(first);
  const manifest = path.join(first.cacheDir, 'manifest.json');
  for (const garbage of ['{"format": 1}', '\u0000\u0001garbage', JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), format: FORMAT_VERSION - 1 }), '']) {
    fs.writeFileSync(manifest, garbage);
    const logs: string[] = [];
    const idx = await KernelIndex.open(root, { cacheRoot: cache, log: (l, m) => logs.push(m) });
    assert.equal(idx.stats().indexed, 42, `rebuilt after manifest ${JSON.stringify(garbage.slice(0, 20))}`);
    assert.ok(logs.some((m) => /rebuilding/.test(m)), logs.join('\n'));
    assert.deepEqual(names(idx), all);
  }
}));

test('an unwritable cache folder does not stop indexing', async () => {
  const root = makeFakeTree({ 'net/a.c': 'int a(void) { return 0; }\n' });
  const blocker = path.join(tempCache('ro'), 'file-not-dir');
  fs.writeFileSync(blocker, 'x');
  const logs: string[] = [];
  try {
    const idx = await KernelIndex.open(root, { cacheRoot: blocker, log: (l, m) => logs.push(`${l}: ${m}`) });
    assert.ok(idx.files.get('net/a.c')?.functions.some((f) => f.name === 'a'));
    assert.ok(logs.some((l) => l.startsWith('error: could not write the index cache')), logs.join('\n'));
  } finally {
    removeTree(root);
    removeTree(path.dirname(blocker));
  }
});

test('reindexFile with unsaved text updates symbols without touching other files', withTree(async (root, cache) => {
  const idx = await KernelIndex.open(root, { cacheRoot: cache });
  const table = idx.symbols();
  assert.equal(table.definitions('brand_new_fn').length, 0);
  await idx.reindexFile('net/m3/f3.c', 'int brand_new_fn(void)\n{\n\treturn entry_4();\n}\n');
  assert.deepEqual(table.definitions('brand_new_fn').map((d) => [d.file, d.line]), [['net/m3/f3.c', 1]]);
  assert.equal(table.definitions('entry_3').length, 0, 'the old definitions of that file are gone');
  assert.deepEqual(table.references('entry_4').map((r) => [r.file, r.line, r.function]), [['net/m3/f3.c', 3, 'brand_new_fn']]);
  // The unsaved buffer is not trusted on the next open: the file on disk is read again.
  const next = await KernelIndex.open(root, { cacheRoot: cache });
  assert.equal(next.stats().indexed, 1);
  assert.ok(next.symbols().definitions('entry_3').length === 1);
}));

test('unsaved buffers are stamped by document version and their text is kept for re-parsing until the disk is read again', withTree(async (root, cache) => {
  const idx = await KernelIndex.open(root, { cacheRoot: cache });
  const rel = 'net/m3/f3.c';
  const text = 'int brand_new_fn(void)\n{\n\treturn entry_4();\n}\n';
  await idx.reindexFile(rel, text, 2);
  const first = idx.files.get(rel)!;
  assert.deepEqual([first.mtimeMs, first.size], [bufferStamp(2).mtimeMs, bufferStamp(2).size]);
  assert.ok(first.size < 0, 'a stamp no file on disk has');
  assert.equal(idx.buffers.get(rel), text);
  await idx.reindexFile(rel, `\n${text}`, 3);
  assert.notEqual(idx.files.get(rel)!.size, first.size, 'every edit gets its own stamp');
  assert.equal(idx.buffers.get(rel), `\n${text}`);
  await idx.reindexFile(rel);
  assert.equal(idx.buffers.has(rel), false, 'read from disk: no buffer text');
  assert.equal(idx.files.get(rel)!.size, fs.statSync(path.join(root, rel)).size);
}));

test('a batch of file changes from disk is one index version with the cache written once', withTree(async (root, cache) => {
  const idx = await KernelIndex.open(root, { cacheRoot: cache });
  const before = idx.version;
  const manifest = path.join(idx.cacheDir, 'manifest.json');
  const writtenAt = fs.statSync(manifest).mtimeMs;
  const files = [...idx.files.keys()].filter((f) => f.endsWith('.c'));
  assert.ok(files.length >= 2);
  fs.writeFileSync(path.join(root, files[0]), 'int from_checkout(void)\n{\n\treturn 1;\n}\n');
  fs.rmSync(path.join(root, files[1]));
  const r = await idx.updateFromDisk([files[0]], [files[1]]);
  assert.equal(idx.version, before + 1, 'one version for the batch: one new analysis, one graph');
  assert.deepEqual(r.results.map((x) => x.ok && x.facts.functions.map((f) => f.name)), [['from_checkout']]);
  assert.equal(r.removed, 1);
  assert.ok(!idx.files.has(files[1]));
  assert.ok(fs.statSync(manifest).mtimeMs >= writtenAt);
  // What was written is the batch: the next open parses nothing.
  const next = await KernelIndex.open(root, { cacheRoot: cache });
  assert.equal(next.stats().indexed, 0);
  assert.deepEqual(next.files.get(files[0])?.functions.map((f) => f.name), ['from_checkout']);
}));
