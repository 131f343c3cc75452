// The symbols lookup on the real trees: every sampled name answers exactly as the index does,
// `def` answers at the lines the tree has, and a writer killed in the middle of the whole net
// scope's write (seconds long) leaves nothing a reader trusts.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KERNEL_VERSIONS, kernelTree, copyOfSharedIndex, TEST_SCOPE } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { IndexStore } from '../../server/src/engine/store';
import { parseScope } from '../../server/src/engine/kernel-tree';
import { findDefinitions, findReferences } from '../../server/src/engine/symbols';
import { lookupSymbol, SYMBOLS_FILE } from '../../server/src/engine/lookup/symbol-lookup';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');

function netpath(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
}

function lineOf(root: string, rel: string, re: RegExp): number {
  const i = fs.readFileSync(path.join(root, rel), 'utf8').split('\n').findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel}`);
  return i + 1;
}

for (const version of KERNEL_VERSIONS) {
  describe(`symbols lookup on Linux ${version}`, () => {
    test('sampled names (functions, macros, types, enumerators) answer exactly as the index does', async () => {
      const root = kernelTree(version);
      const cache = copyOfSharedIndex(root, 'lookup-same');
      try {
        const idx = await KernelIndex.open(root, { cacheRoot: cache, scope: TEST_SCOPE });
        idx.ensureSymbolsLookup();
        const state = { engine: idx.engine, manifest: new IndexStore(root, idx.scope, cache).manifestIdentity()! };
        // Every kind of definition, sampled evenly over the sorted names, and the usual suspects.
        const byKind = new Map<string, Set<string>>();
        for (const f of idx.files.values()) {
          for (const fn of f.functions) (byKind.get('function') ?? byKind.set('function', new Set()).get('function')!).add(fn.name);
          for (const d of f.defs) (byKind.get(d.kind) ?? byKind.set(d.kind, new Set()).get(d.kind)!).add(d.name);
        }
        const names = new Set(['ip_rcv', 'kfree_skb', 'netdev_priv', 'sk_buff', '__udp_queue_rcv_skb', 'NET_RX_DROP', 'SKB_DROP_REASON_NOT_SPECIFIED', 'dev_kfree_skb_any']);
        for (const [, set] of byKind) {
          const sorted = [...set].sort();
          for (let i = 0; i < 5; i++) names.add(sorted[Math.floor((i * sorted.length) / 5)]);
        }
        assert.ok(names.size > 40, `${names.size} names`);
        let answered = 0;
        for (const name of names) {
          const want = { d: findDefinitions(idx.files, name), r: findReferences(idx.files, name) };
          const got = lookupSymbol(idx.cacheDir, root, name, state);
          if ('problem' in got) {
            assert.fail(`${name}: ${got.problem}`);
          }
          assert.deepEqual(got.answer, want, name);
          answered++;
        }
        assert.equal(answered, names.size);
      } finally {
        fs.rmSync(cache, { recursive: true, force: true });
      }
    });

    test('def answers from the lookup at the lines read from the tree', () => {
      const root = kernelTree(version);
      const cache = copyOfSharedIndex(root, 'lookup-lines');
      try {
        // The copy is current (or made so by this first call, which writes the lookup).
        netpath(['def', 'ip_rcv', '--kernel', root, '--cache', cache, '--json']);
        for (const [name, file, re] of [
          ['ip_rcv', 'net/ipv4/ip_input.c', /^int ip_rcv\(/],
          ['__udp_queue_rcv_skb', 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/],
          ['netif_receive_skb', 'net/core/dev.c', /^int netif_receive_skb\(/],
        ] as Array<[string, string, RegExp]>) {
          const r = netpath(['def', name, '--kernel', root, '--cache', cache, '--json', '--verbose']);
          assert.equal(r.status, 0, r.stderr);
          assert.match(r.stderr, /answered from the symbols lookup/, name);
          const loc = JSON.parse(r.stdout).locations.find((l: { kind: string }) => l.kind === 'function');
          assert.deepEqual([loc.file, loc.line], [file, lineOf(root, file, re)], name);
        }
      } finally {
        fs.rmSync(cache, { recursive: true, force: true });
      }
    });
  });
}

test('Linux 6.12: a writer killed with SIGKILL in the middle of the net scope\'s lookup leaves nothing a reader trusts', async () => {
  const root = kernelTree('6.12');
  const cache = copyOfSharedIndex(root, 'lookup-kill');
  try {
    const dir = new IndexStore(root, parseScope(TEST_SCOPE, []), cache).dir;
    fs.rmSync(path.join(dir, SYMBOLS_FILE), { force: true });
    const child = spawn(process.execPath, [CLI, 'def', 'ip_rcv', '--kernel', root, '--cache', cache, '--json'], { stdio: 'ignore' });
    const tmp = () => fs.readdirSync(dir).filter((n) => n.startsWith(`${SYMBOLS_FILE}.tmp-`));
    // The answer comes first (seconds), then the write (seconds more): kill once the temporary
    // file has grown past its first blocks. Bounded: 120 s.
    const t0 = Date.now();
    let seen = 0;
    while (Date.now() - t0 < 120_000 && child.exitCode === null) {
      const t = tmp();
      seen = t.length ? fs.statSync(path.join(dir, t[0])).size : 0;
      if (seen > 1 << 20) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    assert.ok(seen > 1 << 20, `the writer was killed mid-write (its temporary file had ${seen} bytes)`);
    assert.equal(fs.existsSync(path.join(dir, SYMBOLS_FILE)), false, 'no lookup file was renamed into place');
    assert.equal(tmp().length, 1, 'the dead writer\'s temporary file is there');
    const r = netpath(['def', 'ip_rcv', '--kernel', root, '--cache', cache, '--json', '--verbose']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no symbols lookup \(ENOENT\); reading the index/);
    assert.equal(JSON.parse(r.stdout).locations[0].line, lineOf(root, 'net/ipv4/ip_input.c', /^int ip_rcv\(/));
    assert.deepEqual(tmp(), [], 'the next writer removed the dead one\'s temporary file');
    const again = netpath(['def', 'ip_rcv', '--kernel', root, '--cache', cache, '--json', '--verbose']);
    assert.match(again.stderr, /answered from the symbols lookup/);
    assert.equal(again.stdout, r.stdout);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
