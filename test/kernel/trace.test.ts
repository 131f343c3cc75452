// Stack traces mapped onto the real Debian 6.1 and 6.12 trees: a published syzkaller report of
// the receive path (e1000 -> ip_rcv -> tcp_v4_early_demux) linked frame by frame, the function
// the kernel inlined between two printed frames filled in, and `netpath trace --json`.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { savedGraph } from '../helpers/saved-graph';
import { KERNEL_VERSIONS, kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { parseTrace } from '../../server/src/engine/traces/parse-trace';
import { mapStack, type MappedStack } from '../../server/src/engine/traces/map-trace';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'traces', '024-syz-symbolized-kasan-e1000-early-demux.txt');
// The kernel tests' shared index cache: these tests read the index, they do not test indexing.
const CACHE = sharedCache();

/** 1-based line of the last line matching `re` (a definition comes after its prototype). */
function lastLineOf(root: string, rel: string, re: RegExp): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  let found = -1;
  lines.forEach((l, i) => {
    if (re.test(l)) found = i;
  });
  assert.ok(found >= 0, `${re} not found in ${rel}`);
  return found + 1;
}

/** 1-based line of the first line matching `re` after line `from`. */
function lineAfter(root: string, rel: string, from: number, re: RegExp): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l, k) => k >= from && re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel} after line ${from}`);
  return i + 1;
}

function frame(m: MappedStack, fn: string) {
  const f = m.frames.find((x) => x.fn === fn);
  assert.ok(f, `frame ${fn} missing: ${m.frames.map((x) => x.fn).join(' ')}`);
  return f;
}

for (const version of KERNEL_VERSIONS) {
  describe(`stack traces on Linux ${version}`, () => {
    let root = '';
    let mapped: MappedStack;
    let graph: CallGraph;

    before(async () => {
      root = kernelTree(version);
      assert.ok(fs.existsSync(FIXTURE), `prerequisite missing: ${FIXTURE} (the real traces of test/fixtures/traces)`);
      const idx = await KernelIndex.open(root, { cacheRoot: CACHE });
      graph = (await savedGraph(idx)).graph;
      const parsed = parseTrace(fs.readFileSync(FIXTURE, 'utf8'));
      assert.equal(parsed.stacks.length, 1);
      mapped = mapStack(graph, parsed.stacks[0]);
    });

    test('a hook inferred inside an IPv4 chain is the IPv4 one (bpftrace kstack through ip_list_rcv to nf_conntrack_in)', () => {
      const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'traces', '045-bpftrace-kstack-nf-conntrack-in-ixgbe.txt'), 'utf8');
      const m = mapStack(graph, parseTrace(text).stacks[0]);
      const link = m.links.find((l) => m.frames[l.caller].fn === 'nf_hook_slow' && m.frames[l.callee].fn === 'nf_conntrack_in');
      assert.ok(link, m.links.map((l) => `${m.frames[l.caller].fn}>${m.frames[l.callee].fn}`).join(' '));
      assert.equal(link.status, 'inferred');
      // The trace entered IPv4 at ip_list_rcv: the conntrack hook between is ipv4_conntrack_in, not
      // the bridge's or IPv6's hook of the same nf_hook_entry field.
      assert.deepEqual(link.hops.map((h) => h.callee), ['nf_hook_entry_hookfn', 'ipv4_conntrack_in', 'nf_conntrack_in']);
    });

    test('frames of the receive path link to their definitions in this tree', () => {
      const expect: Array<[string, string, RegExp]> = [
        ['ip_rcv', 'net/ipv4/ip_input.c', /^int ip_rcv\(struct sk_buff \*skb/],
        ['ip_rcv_finish', 'net/ipv4/ip_input.c', /^static int ip_rcv_finish\(/],
        ['tcp_v4_early_demux', 'net/ipv4/tcp_ipv4.c', /^(int|void) tcp_v4_early_demux\(/],
        ['e1000_clean_rx_irq', 'drivers/net/ethernet/intel/e1000/e1000_main.c', /^static bool e1000_clean_rx_irq\(/],
        ['e1000_clean', 'drivers/net/ethernet/intel/e1000/e1000_main.c', /^static int e1000_clean\(/],
      ];
      for (const [fn, file, re] of expect) assert.deepEqual(frame(mapped, fn).defs, [{ file, line: lastLineOf(root, file, re) }], fn);
      // Outermost first: the softirq is before the driver, the driver before the protocol.
      const order = ['net_rx_action', 'e1000_clean', 'e1000_clean_rx_irq', 'ip_rcv', 'ip_rcv_finish', 'tcp_v4_early_demux'].map((n) => frame(mapped, n).index);
      assert.deepEqual(order, [...order].sort((a, b) => a - b));
      // e1000_clean is a NAPI poll handler: reached through napi->poll, registered by netif_napi_add.
      const poll = mapped.links.find((l) => mapped.frames[l.callee].fn === 'e1000_clean');
      assert.ok(poll && (poll.status === 'direct' || poll.status === 'inferred'), JSON.stringify(poll));
      assert.equal(poll.hops[poll.hops.length - 1].caller, '__napi_poll');
      assert.ok(mapped.unknown.includes('__do_softirq'), 'kernel/softirq.c is outside the net scope');
    });

    test('a function the kernel inlined between two printed frames is filled in as inferred', () => {
      // The 4.12 trace prints ip_rcv_finish -> tcp_v4_early_demux; here the early demux is in
      // ip_rcv_finish_core, a static function the compiler inlines into ip_rcv_finish.
      const link = mapped.links.find((l) => mapped.frames[l.caller].fn === 'ip_rcv_finish' && mapped.frames[l.callee].fn === 'tcp_v4_early_demux');
      assert.ok(link, 'link ip_rcv_finish -> tcp_v4_early_demux');
      assert.equal(link.status, 'inferred');
      assert.deepEqual(link.hops.map((h) => `${h.caller}>${h.callee}`), ['ip_rcv_finish>ip_rcv_finish_core', 'ip_rcv_finish_core>tcp_v4_early_demux']);
      assert.ok(link.hops.every((h) => h.inferred));
      const def = lastLineOf(root, 'net/ipv4/ip_input.c', /^static int ip_rcv_finish\(/);
      assert.equal(link.hops[0].line, lineAfter(root, 'net/ipv4/ip_input.c', def, /ip_rcv_finish_core\(/));
      const core = lastLineOf(root, 'net/ipv4/ip_input.c', /^static int ip_rcv_finish_core\(/);
      assert.equal(link.hops[1].line, lineAfter(root, 'net/ipv4/ip_input.c', core, /tcp_v4_early_demux\(/));
    });

    test('netpath trace --json: shape and exit codes', () => {
      assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
      const r = spawnSync(process.execPath, [CLI, 'trace', FIXTURE, '--kernel', root, '--cache', CACHE, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.root, root);
      assert.equal(typeof j.skippedLines, 'number');
      assert.ok(j.skippedLines > 0);
      assert.ok(Array.isArray(j.notes));
      assert.equal(j.stacks.length, 1);
      const s = j.stacks[0];
      assert.equal(j.mapped, s.mapped);
      for (const key of ['frames', 'links', 'unknown', 'dropSites']) assert.ok(Array.isArray(s[key]), key);
      const ip = s.frames.find((f: { fn: string }) => f.fn === 'ip_rcv');
      assert.deepEqual(ip.defs, [{ file: 'net/ipv4/ip_input.c', line: lastLineOf(root, 'net/ipv4/ip_input.c', /^int ip_rcv\(struct sk_buff \*skb/) }]);
      assert.deepEqual([ip.raw, ip.file, ip.line, ip.unreliable, ip.known], ['ip_rcv', 'net/ipv4/ip_input.c', 488, false, true]);
      const link = s.links.find((l: { caller: number; callee: number }) => s.frames[l.caller].fn === 'ip_rcv_finish' && s.frames[l.callee].fn === 'tcp_v4_early_demux');
      assert.equal(link.status, 'inferred');
      for (const h of link.hops) for (const k of ['caller', 'callee', 'file', 'line', 'kind', 'inferred']) assert.ok(k in h, k);
      // Drop sites along the chain come from the drop-site engine: ip_rcv_finish_core's drops.
      assert.ok(s.dropSites.some((d: { function: string; file: string }) => d.function === 'ip_rcv_finish_core' && d.file === 'net/ipv4/ip_input.c'));

      const empty = spawnSync(process.execPath, [CLI, 'trace', '-', '--kernel', root, '--cache', CACHE], { input: 'no frames here\n', encoding: 'utf8' });
      assert.equal(empty.status, 1);
      assert.match(empty.stderr, /no stack frames found/);
      const usage = spawnSync(process.execPath, [CLI, 'trace', FIXTURE, FIXTURE, '--kernel', root], { encoding: 'utf8' });
      assert.equal(usage.status, 2);
    });
  });
}
