// Bad input is skipped with a reason, never a crash, and loses nothing else.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelIndex } from '../../server/src/engine/indexer';
import { NotAKernelTreeError } from '../../server/src/engine/kernel-tree';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';

const GOOD = 'int good_fn(void)\n{\n\treturn 1;\n}\n';

test('binary, non-UTF-8, huge, symlink loops, directories named .c and vanished files', async () => {
  const root = makeFakeTree({
    'net/good.c': GOOD,
    'net/binary.c': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x00, 0xff]),
    'net/latin1.c': Buffer.concat([Buffer.from('/* Copyright J'), Buffer.from([0xf6]), Buffer.from('rg */\nint latin_fn(void)\n{\n\treturn 0;\n}\n')]),
    'include/generated/huge.h': `/* generated */\n${'#define REG_X_%d 0x1234\n'.repeat(500_000)}`, // ~12 MB
  });
  fs.mkdirSync(path.join(root, 'net', 'dir.c'));
  fs.symlinkSync('..', path.join(root, 'net', 'loop'));
  fs.symlinkSync('b.c', path.join(root, 'net', 'a.c'));
  fs.symlinkSync('a.c', path.join(root, 'net', 'b.c'));
  const cache = tempCache('bad');
  const logs: string[] = [];
  try {
    const idx = await KernelIndex.open(root, { cacheRoot: cache, log: (l, m) => logs.push(`${l}: ${m}`) });
    const reasons = Object.fromEntries(idx.skipped.map((s) => [s.path, s.reason]));
    assert.match(reasons['net/binary.c'], /binary/);
    assert.match(reasons['include/generated/huge.h'], /too large/);
    assert.match(reasons['net/a.c'], /broken symlink \(ELOOP\)/);
    assert.match(reasons['net/b.c'], /broken symlink \(ELOOP\)/);
    assert.equal(reasons['net/dir.c'], undefined, 'a folder named dir.c is walked, not parsed');
    assert.ok(!idx.files.has('net/loop/net/good.c'), 'directory symlinks are not followed');
    assert.deepEqual(idx.files.get('net/good.c')?.functions.map((f) => f.name), ['good_fn']);
    const latin = idx.files.get('net/latin1.c')!;
    assert.deepEqual(latin.functions.map((f) => [f.name, f.line]), [['latin_fn', 2]]);
    assert.deepEqual(latin.notes, ['non-UTF-8 bytes replaced with U+FFFD']);
    assert.ok(logs.some((l) => l.startsWith('warn: skipped net/binary.c')), logs.join('\n'));
    // A file deleted after it was listed is reported, and the rest is kept.
    fs.rmSync(path.join(root, 'net/good.c'));
    const r = await idx.reindexFile('net/good.c');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.skip.reason, /deleted during indexing/);
    assert.ok(idx.files.has('net/latin1.c'));
  } finally {
    removeTree(root);
    removeTree(cache);
  }
});

test('malformed C is indexed as far as it parses', async () => {
  const root = makeFakeTree({
    'net/broken.c': 'int ok_before(void) { return 0; }\nstatic int (((( broken = {{{ ;\n#if\nint ok_after(int x)\n{\n\treturn x;\n}\n',
  });
  const cache = tempCache('malformed');
  try {
    const idx = await KernelIndex.open(root, { cacheRoot: cache });
    const f = idx.files.get('net/broken.c')!;
    assert.ok(f.parseErrors > 0);
    assert.ok(f.functions.some((x) => x.name === 'ok_before'));
    assert.ok(f.functions.every((x) => /^[A-Za-z_]\w*$/.test(x.name)));
  } finally {
    removeTree(root);
    removeTree(cache);
  }
});

test('a folder that is not a kernel tree gives a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(path.dirname(tempCache('x')), 'netpath-notkernel-'));
  fs.writeFileSync(path.join(dir, 'main.c'), GOOD);
  try {
    await assert.rejects(KernelIndex.open(dir), (e: unknown) => {
      assert.ok(e instanceof NotAKernelTreeError);
      assert.match((e as Error).message, /is not a Linux kernel tree \(missing: Makefile, Kbuild, net, include\/linux\/skbuff.h\)/);
      return true;
    });
    await assert.rejects(KernelIndex.open(path.join(dir, 'nope')), /is not a Linux kernel tree/);
  } finally {
    removeTree(dir);
  }
});

test('an unreadable file is skipped with its reason (as an unprivileged user when run as root)', () => {
  const root = makeFakeTree({ 'net/secret.c': GOOD, 'net/open.c': GOOD });
  fs.chmodSync(path.join(root, 'net/secret.c'), 0o000);
  // The tree's own folder opened to the unprivileged user; the folders above it are only checked:
  // they are not the test's (TMPDIR is often /tmp, whose mode 1777 a chmod here once took away).
  fs.chmodSync(root, 0o755);
  for (let d = path.dirname(root); d !== path.dirname(d); d = path.dirname(d)) {
    assert.ok((fs.statSync(d).mode & 0o001) !== 0, `prerequisite missing: ${d} must be searchable by other users (the test reads the tree as nobody); set TMPDIR to a folder that is`);
  }
  const cache = tempCache('unreadable');
  fs.chmodSync(cache, 0o777);
  const cli = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
  assert.ok(fs.existsSync(cli), `prerequisite missing: ${cli}; run "npm run build"`);
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
  try {
    const r = spawnSync(asUser[0], [...asUser.slice(1), cli, 'index', root, '--cache', cache, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const skipped = out.skippedFiles.filter((x: { path: string }) => x.path.endsWith('.c'));
    assert.deepEqual(skipped, [{ path: 'net/secret.c', reason: 'unreadable (permission denied)' }]);
    assert.ok(out.functions >= 2);
  } finally {
    removeTree(root);
    removeTree(cache);
  }
});
