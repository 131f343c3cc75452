// netpath-test: first (the one cold index of each tree, which the other kernel test files share)
// The `netpath` CLI on the real Debian 6.1 and 6.12 trees: index, def, refs, Kbuild modules.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { savedGraph } from '../helpers/saved-graph';
import { KERNEL_VERSIONS, kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { checkGolden, edgeLines } from '../helpers/golden';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');

function netpath(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** 1-based line of the first line matching `re` in a file of the tree. */
function lineOf(root: string, rel: string, re: RegExp): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel}`);
  return i + 1;
}

for (const version of KERNEL_VERSIONS) {
  describe(`netpath CLI on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    before(() => {
      root = kernelTree(version);
      // The shared cache (helpers/kernels.ts), which the kernel test files after this one read.
      cache = sharedCache();
    });

    test('index --rebuild --json: a cold index of the net scope, then a warm run parses nothing', () => {
      // The suite's one honest cold run per tree: --rebuild ignores whatever the cache holds,
      // parses every file and builds the graph again; later test files reuse what it writes.
      const cold = netpath(['index', root, '--cache', cache, '--rebuild', '--json']);
      assert.equal(cold.status, 0, cold.stderr);
      const s = JSON.parse(cold.stdout);
      assert.equal(s.indexed, s.files, 'every file parsed');
      assert.equal(s.fromCache, 0);
      assert.equal(s.graph.source, 'built');
      for (const k of ['files', 'functions', 'calls', 'gotos', 'addressTaken', 'filesWithParseErrors', 'seconds', 'peakRssMB']) {
        assert.equal(typeof s[k], 'number', `${k} in ${cold.stdout.slice(0, 300)}`);
      }
      assert.deepEqual(s.scope, ['drivers/net', 'include', 'net']);
      assert.ok(s.files > 11000, `files ${s.files}`);
      assert.ok(s.functions > 140000, `functions ${s.functions}`);
      assert.ok(s.calls > 800000, `calls ${s.calls}`);
      assert.equal(s.version.split('.').slice(0, 2).join('.'), version);
      assert.ok(s.filesWithParseErrors < s.files * 0.3, `parse errors in ${s.filesWithParseErrors} files`);
      // Call-graph resolution statistics, against naive matching on the field name alone.
      const g = s.graph;
      assert.ok(g.indirectSites > 5000, `indirect sites ${g.indirectSites}`);
      assert.ok(g.resolvedFraction > 0.5 && g.resolvedFraction <= 1, `resolved ${g.resolvedFraction}`);
      assert.ok(g.meanCandidates < g.naive.meanCandidates, `mean ${g.meanCandidates} vs naive ${g.naive.meanCandidates}`);
      assert.ok(g.medianCandidates <= g.naive.medianCandidates);
      assert.ok(g.edges > s.calls * 0.5, `edges ${g.edges}`);
      const warm = JSON.parse(netpath(['index', root, '--cache', cache, '--json', '--no-graph']).stdout);
      assert.equal(warm.graph, undefined);
      assert.equal(warm.indexed, 0);
      assert.equal(warm.fromCache, s.files);
      assert.equal(warm.functions, s.functions);
    });

    test('def finds tap_handle_frame, inet_init (an __init function) and ixgbe_poll at their lines', () => {
      const cases: Array<[string, string, RegExp]> = [
        ['tap_handle_frame', 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/],
        ['inet_init', 'net/ipv4/af_inet.c', /^static int __init inet_init\(void\)/],
        ['ixgbe_poll', 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c', /^int ixgbe_poll\(/],
        ['__udp_queue_rcv_skb', 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/],
      ];
      for (const [name, file, re] of cases) {
        const r = netpath(['def', name, '--kernel', root, '--cache', cache, '--json']);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        const fnDefs = out.locations.filter((l: { kind: string }) => l.kind === 'function');
        assert.deepEqual(fnDefs.map((l: { file: string; line: number }) => [l.file, l.line]), [[file, lineOf(root, file, re)]], name);
      }
      const text = netpath(['def', 'tap_handle_frame', '--kernel', root, '--cache', cache]);
      assert.match(text.stdout, /^drivers\/net\/tap\.c:\d+\tfunction\n/);
    });

    test('refs of udp_rcv include its net_protocol initializer and the INDIRECT_CALL dispatch', () => {
      const r = netpath(['refs', 'udp_rcv', '--kernel', root, '--cache', cache, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const locs: Array<{ file: string; line: number; kind: string; function?: string }> = JSON.parse(r.stdout).locations;
      const initLine = lineOf(root, 'net/ipv4/af_inet.c', /\.handler\s*=\s*udp_rcv,/);
      assert.ok(locs.some((l) => l.file === 'net/ipv4/af_inet.c' && l.line === initLine && l.kind === 'address'), JSON.stringify(locs));
      assert.ok(locs.some((l) => l.file === 'net/ipv4/ip_input.c' && l.kind === 'macro-arg' && l.function === 'ip_protocol_deliver_rcu'), JSON.stringify(locs));
    });

    test('unknown symbols and non-kernel folders fail clearly', () => {
      const none = netpath(['def', 'no_such_function_anywhere', '--kernel', root, '--cache', cache]);
      assert.equal(none.status, 1);
      assert.match(none.stderr, /no definition of "no_such_function_anywhere"/);
      const notTree = netpath(['index', path.dirname(root), '--cache', cache]);
      assert.equal(notTree.status, 1);
      assert.match(notTree.stderr, /is not a Linux kernel tree \(missing: /);
      const usage = netpath(['frobnicate']);
      assert.equal(usage.status, 2);
      assert.match(usage.stderr, /unknown command "frobnicate"/);
    });

    test('path: ixgbe_poll reaches __udp_queue_rcv_skb through napi_gro_receive, ip_rcv or ip_list_rcv, and udp_rcv', () => {
      type Hop = { caller: string; callee: string; file: string; line: number; kind: string; candidates?: number };
      const chain = (from: string, to: string): Hop[] => {
        const r = netpath(['path', from, to, '--max', '1', '--kernel', root, '--cache', cache, '--json']);
        assert.equal(r.status, 0, `${from} -> ${to}: ${r.stderr}`);
        const hops: Hop[] = JSON.parse(r.stdout).paths[0].hops;
        assert.equal(hops[0].caller, from);
        assert.equal(hops[hops.length - 1].callee, to);
        for (let i = 1; i < hops.length; i++) assert.equal(hops[i].caller, hops[i - 1].callee, 'hops connect');
        for (const h of hops) {
          const text = fs.readFileSync(path.join(root, h.file), 'utf8').split('\n')[h.line - 1];
          if (h.kind === 'direct') assert.ok(text.includes(h.callee), `${h.file}:${h.line} calls ${h.callee}: ${text}`);
          if (h.kind !== 'direct') assert.ok((h.candidates ?? 0) >= 1, JSON.stringify(h));
        }
        return hops;
      };
      chain('ixgbe_poll', 'napi_gro_receive');
      const ip = ['ip_list_rcv', 'ip_rcv'].map((to) => netpath(['path', 'napi_gro_receive', to, '--max', '1', '--kernel', root, '--cache', cache, '--json']));
      assert.ok(ip.some((r) => r.status === 0), 'napi_gro_receive reaches ip_rcv or ip_list_rcv');
      const viaIp = chain('ip_rcv', 'udp_rcv');
      assert.ok(viaIp.some((h) => h.callee === 'udp_rcv' && h.kind === 'macro' && h.caller === 'ip_protocol_deliver_rcu'), 'INDIRECT_CALL_2 dispatch to udp_rcv');
      chain('udp_rcv', '__udp_queue_rcv_skb');
      // The FIRST chain a user sees is the one a packet takes, not just any chain that has the parts.
      const whole = chain('ixgbe_poll', '__udp_queue_rcv_skb').map((h) => h.callee);
      const order = ['ixgbe_clean_rx_irq', 'napi_gro_receive', whole.includes('ip_list_rcv') ? 'ip_list_rcv' : 'ip_rcv', 'udp_rcv', '__udp_queue_rcv_skb'];
      assert.deepEqual(whole.filter((n) => order.includes(n)), order, whole.join(' -> '));
      const text = netpath(['path', 'ixgbe_poll', '__udp_queue_rcv_skb', '--max', '2', '--kernel', root, '--cache', cache]);
      assert.match(text.stdout, /^path 1 \(\d+ hops, cost [\d.]+\)\n {2}ixgbe_poll -> ixgbe_clean_rx_irq\t/);
      assert.match(text.stdout, /\n {2}ip_protocol_deliver_rcu -> udp_rcv\tnet\/ipv4\/ip_input\.c:\d+\tmacro \(\d+ candidates\)\tcost [\d.]+/);
      const bad = netpath(['path', 'ixgbe_poll', '__udp_queue_rcv_skb', '--via', 'no_such_fn', '--kernel', root, '--cache', cache]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /no function "no_such_fn"/);
      assert.equal(netpath(['path', 'ixgbe_poll', 'udp_rcv', '--max-candidates', 'x', '--kernel', root, '--cache', cache]).status, 2);
    });

    test('the rx_handler hop and the count_rx_dropped callback are resolved', () => {
      const callers = JSON.parse(netpath(['callers', 'tap_handle_frame', '--kernel', root, '--cache', cache, '--json']).stdout).callers;
      assert.ok(callers.some((h: { caller: string; kind: string }) => h.caller === '__netif_receive_skb_core' && h.kind === 'variable'), JSON.stringify(callers));
      const callees = JSON.parse(netpath(['callees', 'tap_handle_frame', '--kernel', root, '--cache', cache, '--json']).stdout).callees;
      const hop = callees.find((h: { callee: string }) => h.callee === 'macvtap_count_rx_dropped');
      assert.ok(hop, JSON.stringify(callees));
      assert.equal(hop.kind, 'field');
      const line = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n')[hop.line - 1];
      assert.match(line, /tap->count_rx_dropped\(tap\)/);
    });

    test('golden call-graph edges of drivers/net/tap.c, net/ipv4/ip_input.c and net/core/dev.c', async () => {
      const idx = await KernelIndex.open(root, { cacheRoot: cache });
      // The graph the cold run saved: graph-persist.test.ts checks it answers as a fresh build.
      const { graph } = await savedGraph(idx);
      for (const file of ['drivers/net/tap.c', 'net/ipv4/ip_input.c', 'net/core/dev.c']) {
        const lines = edgeLines(graph, file);
        assert.ok(lines.length > 20, `${file}: ${lines.length} edges`);
        checkGolden(`${version}/${file.replace(/\//g, '__')}.edges`, lines);
      }
    });

    test('Kbuild maps sources to their modules', async () => {
      const idx = await KernelIndex.open(root, { cacheRoot: cache });
      assert.equal(idx.stats().indexed, 0, 'served from the cache the CLI wrote');
      assert.deepEqual(pick(idx.moduleOf('drivers/net/tap.c')), { module: 'tap', kind: 'either', config: 'CONFIG_TAP' });
      assert.deepEqual(pick(idx.moduleOf('drivers/net/macvtap.c')), { module: 'macvtap', kind: 'either', config: 'CONFIG_MACVTAP' });
      assert.deepEqual(pick(idx.moduleOf('drivers/net/ethernet/intel/ixgbe/ixgbe_main.c')), { module: 'ixgbe', kind: 'either', config: 'CONFIG_IXGBE' });
      assert.equal(idx.moduleOf('net/core/dev.c')?.kind, 'builtin');
      assert.equal(idx.moduleOf('net/ipv4/udp.c')?.kind, 'builtin');
    });
  });
}

function pick(o: { module: string; kind: string; config?: string } | undefined) {
  return o && { module: o.module, kind: o.kind, config: o.config };
}
