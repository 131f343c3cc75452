// The symbols lookup (engine/lookup/): a warm `def` and `refs` answered from one checked block,
// and every way it must not be trusted: a changed answer file, a new file, damage of each kind,
// a foreign format, a writer killed mid-write, two writers at once.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';
import { SYMBOLS_FILE } from '../../server/src/engine/lookup/symbol-lookup';
import { bucketOf } from '../../server/src/engine/lookup/lookup-file';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
const FROM_LOOKUP = 'answered from the symbols lookup';

function files(): Record<string, string> {
  const out: Record<string, string> = {
    'net/ipv4/ip_input.c': 'int ip_rcv(struct sk_buff *skb)\n{\n\treturn ip_rcv_finish(skb);\n}\n\nstatic int ip_rcv_finish(struct sk_buff *skb)\n{\n\treturn 0;\n}\n',
    'net/core/gro.c': '#define GRO_MAX 8\nint napi_gro_receive(struct sk_buff *skb)\n{\n\tip_rcv(skb);\n\treturn ip_rcv(skb);\n}\n',
  };
  // Enough files for the worker pool and for more than one file-table block.
  for (let i = 0; i < 300; i++) out[`drivers/net/d${i % 7}/f${i}.c`] = `int drv_poll_${i}(struct sk_buff *skb)\n{\n\treturn ip_rcv(skb);\n}\n`;
  return out;
}

function netpath(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

function withTree(run: (root: string, cache: string, q: (cmd: string, name: string) => { out: unknown; fast: boolean; stderr: string }) => Promise<void> | void) {
  return async () => {
    const root = makeFakeTree(files());
    const cache = tempCache('lookup');
    const q = (cmd: string, name: string) => {
      const r = netpath([cmd, name, '--kernel', root, '--cache', cache, '--json', '--verbose']);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      return { out: r.stdout ? JSON.parse(r.stdout) : undefined, fast: r.stderr.includes(FROM_LOOKUP), stderr: r.stderr };
    };
    try {
      const idx = netpath(['index', root, '--cache', cache, '--json']);
      assert.equal(idx.status, 0, idx.stderr);
      await run(root, cache, q);
    } finally {
      removeTree(root);
      removeTree(cache);
    }
  };
}

function lookupFile(cache: string): string {
  const dirs = fs.readdirSync(path.join(cache, 'index'));
  assert.equal(dirs.length, 1);
  return path.join(cache, 'index', dirs[0], SYMBOLS_FILE);
}

/** The same question with the lookup out of the way: the index's own answer. */
function slowAnswer(cache: string, q: (cmd: string, name: string) => { out: unknown; fast: boolean }, cmd: string, name: string): unknown {
  const file = lookupFile(cache);
  const keep = `${file}.keep`;
  fs.renameSync(file, keep);
  try {
    const r = q(cmd, name);
    assert.equal(r.fast, false);
    return r.out;
  } finally {
    fs.renameSync(keep, file);
  }
}

test('after an index, def and refs come from the lookup, identical to the index\'s answers', withTree((_root, cache, q) => {
  for (const [cmd, name] of [['def', 'ip_rcv'], ['refs', 'ip_rcv'], ['def', 'GRO_MAX'], ['refs', 'ip_rcv_finish'], ['def', 'drv_poll_299']]) {
    const fast = q(cmd, name);
    assert.ok(fast.fast, `${cmd} ${name}: ${fast.stderr}`);
    assert.deepEqual(fast.out, slowAnswer(cache, q, cmd, name), `${cmd} ${name}`);
  }
  const refs = q('refs', 'ip_rcv').out as { locations: Array<{ file: string; line: number; function?: string }> };
  assert.equal(refs.locations.length, 302);
  assert.deepEqual(refs.locations.filter((l) => l.file === 'net/core/gro.c'), [
    { file: 'net/core/gro.c', line: 4, kind: 'call', function: 'napi_gro_receive' },
    { file: 'net/core/gro.c', line: 5, kind: 'call', function: 'napi_gro_receive' },
  ]);
  // An empty answer is never the lookup's word alone.
  const none = q('def', 'no_such_symbol');
  assert.equal(none.fast, false);
  assert.match(none.stderr, /no definition of "no_such_symbol"/);
}));

test('an edit to a file the answer names is answered from its new text, and the lookup is written again', withTree((root, _cache, q) => {
  const file = path.join(root, 'net/ipv4/ip_input.c');
  fs.writeFileSync(file, '\n\n' + fs.readFileSync(file, 'utf8'));
  const after = q('def', 'ip_rcv');
  assert.equal(after.fast, false);
  assert.match(after.stderr, /net\/ipv4\/ip_input\.c changed since it was indexed/);
  assert.equal((after.out as { locations: Array<{ line: number }> }).locations[0].line, 3);
  const again = q('def', 'ip_rcv');
  assert.ok(again.fast, again.stderr);
  assert.deepEqual(again.out, after.out);
}));

test('a file added anywhere in scope moves its folder: the new definition is found', withTree((root, _cache, q) => {
  assert.ok(q('def', 'ip_rcv').fast);
  fs.writeFileSync(path.join(root, 'drivers/net/d3/new.c'), 'int ip_rcv(void *x)\n{\n\treturn 0;\n}\n');
  const r = q('def', 'ip_rcv');
  assert.equal(r.fast, false);
  assert.match(r.stderr, /folder drivers\/net\/d3 changed/);
  assert.deepEqual((r.out as { locations: Array<{ file: string }> }).locations.map((l) => l.file), ['drivers/net/d3/new.c', 'net/ipv4/ip_input.c']);
  // A name with no entry yet, typed in place into a file of an unchanged folder, is asked of the index.
  fs.appendFileSync(path.join(root, 'net/core/gro.c'), 'int brand_new_fn(void)\n{\n\treturn 1;\n}\n');
  const n = q('def', 'brand_new_fn');
  assert.equal(n.fast, false);
  assert.equal((n.out as { locations: Array<{ file: string; line: number }> }).locations[0].file, 'net/core/gro.c');
}));

test('a damaged or foreign lookup file is refused, the answer is the index\'s, and the file is written again', withTree((_root, cache, q) => {
  const file = lookupFile(cache);
  const good = fs.readFileSync(file);
  const want = q('refs', 'ip_rcv').out;
  const bodyLen = good.readUInt32LE(16);
  const header = JSON.parse(good.subarray(24 + bodyLen, 24 + bodyLen + good.readUInt32LE(12)).toString('latin1')) as { buckets: number; blocks: Array<[number, number, number]> };
  // The block that holds ip_rcv: a reader checks only the block it reads.
  const [offset, length] = header.blocks[bucketOf('ip_rcv', header.buckets)];
  assert.ok(length > 0);
  const damage: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
    ['truncated in the header', (b) => b.subarray(0, b.length - 10), /truncated|unreadable/],
    ['truncated to its prefix', (b) => b.subarray(0, 20), /unreadable/],
    ['a flipped byte in a block', (b) => { const c = Buffer.from(b); c[24 + offset + Math.floor(length / 2)] ^= 0x40; return c; }, /checksum|damaged/],
    ['a flipped byte in the header', (b) => { const c = Buffer.from(b); c[24 + bodyLen + 5] ^= 0x01; return c; }, /header fails its checksum/],
    ['another format version', (b) => { const c = Buffer.from(b); c.writeUInt32LE(99, 8); return c; }, /format 99/],
    ['not a lookup file at all', () => Buffer.from('{"hello": "world"}'), /not a lookup file/],
    ['empty', () => Buffer.alloc(0), /unreadable/],
  ];
  for (const [what, hurt, why] of damage) {
    fs.writeFileSync(file, hurt(good));
    const r = q('refs', 'ip_rcv');
    assert.equal(r.fast, false, what);
    assert.match(r.stderr, why, what);
    assert.deepEqual(r.out, want, what);
    const again = q('refs', 'ip_rcv');
    assert.ok(again.fast, `${what}: rewritten; ${again.stderr}`);
  }
}));

test('a writer killed mid-write leaves no file a reader trusts; the next writer cleans up after it', withTree(async (root, cache, q) => {
  const file = lookupFile(cache);
  // A stale lookup (an answer file changed) makes the next def write it again; stop that writer hard.
  fs.appendFileSync(path.join(root, 'net/ipv4/ip_input.c'), '\n');
  const child = spawn(process.execPath, [CLI, 'def', 'ip_rcv', '--kernel', root, '--cache', cache, '--json'], { stdio: 'ignore' });
  // Bounded: the write starts within seconds; kill it at its first sign (a temporary file) or after 20 s.
  const t0 = Date.now();
  while (Date.now() - t0 < 20_000 && !fs.readdirSync(path.dirname(file)).some((n) => n.startsWith(`${SYMBOLS_FILE}.tmp-`)) && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));
  // Whatever moment the kill hit: the lookup on disk is the old one (stale) or the new one (whole).
  const r = q('def', 'ip_rcv');
  assert.equal((r.out as { locations: Array<{ line: number }> }).locations[0].line, 1);
  const again = q('def', 'ip_rcv');
  assert.ok(again.fast, again.stderr);
  assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((n) => n.includes('.tmp-')), [], 'no temporary file left');
}));

test('two processes answering (and writing the lookup) at once both answer right and leave a whole file', withTree(async (root, cache, q) => {
  fs.appendFileSync(path.join(root, 'net/core/gro.c'), '\n');
  const run = () => new Promise<string>((resolve) => {
    const c = spawn(process.execPath, [CLI, 'refs', 'ip_rcv', '--kernel', root, '--cache', cache, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(out));
  });
  const [a, b] = await Promise.all([run(), run()]);
  assert.equal(a, b);
  assert.equal(JSON.parse(a).locations.length, 302);
  const after = q('refs', 'ip_rcv');
  assert.ok(after.fast, after.stderr);
  assert.equal(JSON.stringify(after.out) + '\n', a);
}));
