// The symbol table built in slices (the language server's way: the event loop runs between
// slices) gives the same answers as the one built in one go, and edits made while it is built
// are in it when it is done.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KernelIndex } from '../../server/src/engine/indexer';
import { SymbolTable } from '../../server/src/engine/symbols';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';

const files: Record<string, string> = {};
for (let i = 0; i < 40; i++) {
  files[`net/ipv4/f${i}.c`] = `struct s${i} { int a; };\n#define M${i} 1\nstatic int helper(void)\n{\n\treturn ${i};\n}\nint f${i}_rcv(struct sk_buff *skb)\n{\n\treturn helper();\n}\n`;
}
const root = makeFakeTree(files);
const cache = tempCache('symbols-slices');
after(() => {
  removeTree(root);
  removeTree(cache);
});

test('a table built in slices answers as the one built at once, and lets the event loop run', async () => {
  const idx = await KernelIndex.open(root, { scope: ['net', 'include'], cacheRoot: cache });
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const sliced = await SymbolTable.build(idx.files, 0);
  ticking = false;
  assert.ok(turns >= idx.files.size / 2, `the event loop ran ${turns} times while ${idx.files.size} files were added one slice each`);
  const whole = new SymbolTable(idx.files);
  for (const name of ['helper', 'f7_rcv', 's12', 'M39', 'netif_receive_skb', 'sk_buff']) {
    assert.deepEqual(sliced.definitions(name), whole.definitions(name), name);
    assert.ok(whole.definitions(name).length > 0, `${name} is defined`);
  }
  assert.equal(sliced.definitions('helper').length, 40, 'one static helper per file');
  assert.deepEqual(sliced.search('f3_r').map((s) => s.name), whole.search('f3_r').map((s) => s.name));
});

test('an edit while the table is built in slices is in the table when it is done', async () => {
  const idx = await KernelIndex.open(root, { scope: ['net', 'include'], cacheRoot: cache });
  await idx.reindexFile('net/ipv4/f4.c', files['net/ipv4/f4.c'], 1); // the parser loaded: the next edit lands at once
  const earlier = idx.files.get('net/ipv4/f5.c')!;
  const ready = idx.symbolsReady(0);
  // An unsaved buffer renames f5_rcv while the slices run (one file a slice: the build yields 40 times).
  await idx.reindexFile('net/ipv4/f5.c', files['net/ipv4/f5.c'].replace('f5_rcv', 'f5_renamed_rcv'), 2);
  const table = await ready;
  assert.equal(table, await idx.symbolsReady(), 'one table, kept');
  // The previous version's facts (read lazily from the cache) still say what that version said.
  assert.deepEqual(earlier.functions.map((f) => f.name), ['helper', 'f5_rcv']);
  assert.deepEqual(idx.files.get('net/ipv4/f5.c')!.functions.map((f) => f.name), ['helper', 'f5_renamed_rcv']);
  assert.deepEqual(table.definitions('f5_rcv'), []);
  assert.deepEqual(table.definitions('f5_renamed_rcv').map((d) => [d.file, d.line]), [['net/ipv4/f5.c', 7]]);
  assert.equal(table.definitions('helper').length, 40);
  // A later edit reaches the kept table directly.
  await idx.reindexFile('net/ipv4/f6.c', '', 3);
  assert.deepEqual(table.definitions('f6_rcv'), []);
  assert.equal(table.definitions('helper').length, 39);
});
