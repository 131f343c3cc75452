// Drop sites and the counter map on the real Debian 6.1 and 6.12 trees: the acceptance points
// of the drop-sites issue, through the CLI (`netpath drops`, `netpath counter-sites`) and the
// engine, plus golden files of whole files' sites. Expected lines come from each tree's text.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { savedGraph } from '../helpers/saved-graph';
import { KERNEL_VERSIONS, kernelTree, sharedCache } from '../helpers/kernels';
import { checkGolden } from '../helpers/golden';
import { KernelIndex } from '../../server/src/engine/indexer';
import { DropEngine } from '../../server/src/engine/drops/engine';
import type { DropSite } from '../../server/src/engine/drops/types';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');

function netpath(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
  return spawnSync(process.execPath, [CLI, ...args, '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** 1-based lines of `rel` matching `re`, only inside the function `fn` when given. */
function linesOf(root: string, rel: string, re: RegExp, fn?: string): number[] {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  let from = 0;
  let to = lines.length;
  if (fn) {
    from = lines.findIndex((l) => new RegExp(`^\\S.*\\b${fn}\\(`).test(l));
    assert.ok(from >= 0, `${fn} not defined in ${rel}`);
    to = lines.findIndex((l, i) => i > from && l === '}');
  }
  const out: number[] = [];
  for (let i = from; i <= to; i++) if (re.test(lines[i])) out.push(i + 1);
  return out;
}

/** Golden form of a site: no line numbers, so a point release that shifts lines does not churn it. */
function goldenLine(s: DropSite): string {
  const what = s.kind === 'goto' ? `goto ${s.label}` : `${s.kind} ${s.via ?? ''}`;
  return [s.function, what, s.reason ?? (s.reasons ? `one of ${s.reasons.values.join(',')}${s.reasons.computed ? ` or ${s.reasons.computed.join(',')}()` : ''}` : '-'), s.counters.join(',') || '-', s.condition ?? '', s.through?.join('>') ?? '', s.notAlwaysDrop ? 'not-always' : ''].join(' | ');
}

for (const version of KERNEL_VERSIONS) {
  describe(`drop sites on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    let engine: DropEngine;
    before(async () => {
      root = kernelTree(version);
      cache = sharedCache();
      const index = await KernelIndex.open(root, { cacheRoot: cache });
      engine = await (await savedGraph(index)).drops();
    });
    // The shared cache (helpers/kernels.ts sharedCache) stays for the next test file.

    test('tap_handle_frame: four goto-drop sites to drop:, counted through tap->count_rx_dropped; the GSO loop free', () => {
      const r = netpath(['drops', 'tap_handle_frame', '--kernel', root, '--cache', cache, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const { sites } = JSON.parse(r.stdout) as { sites: DropSite[] };
      const tap = 'drivers/net/tap.c';
      const gotos = linesOf(root, tap, /\bgoto drop;/, 'tap_handle_frame');
      const [label] = linesOf(root, tap, /^drop:/, 'tap_handle_frame');
      assert.equal(gotos.length, 4);
      const g = sites.filter((s) => s.kind === 'goto');
      assert.deepEqual(g.map((s) => [s.function, s.file, s.line, s.label, s.labelLine]), gotos.map((l) => ['tap_handle_frame', tap, l, 'drop', label]));
      for (const s of g) {
        assert.deepEqual(s.through?.slice(0, 2), ['tap->count_rx_dropped', 'macvtap_count_rx_dropped'], JSON.stringify(s));
        // macvlan_count_rx bumps the per-cpu rx_errors, which macvlan_dev_get_stats64 reports as rx_dropped too.
        assert.ok(s.counters.includes('rx_dropped') && s.reason?.startsWith('SKB_DROP_REASON_'), JSON.stringify(s));
        assert.ok(s.condition, JSON.stringify(s));
      }
      // The first goto is the GSO segmentation error, with the reason's comment from dropreason*.h.
      assert.equal(g[0].reason, 'SKB_DROP_REASON_SKB_GSO_SEG');
      assert.equal(g[0].condition, 'IS_ERR(segs)');
      assert.match(g[0].reasonText ?? '', /gso segmentation error/i);
      // The direct frees in the GSO segment loop (not the free at drop:, which is the label's).
      const loopFrees = linesOf(root, tap, /kfree_skb(_list)?_reason\(/, 'tap_handle_frame').filter((l) => l < label);
      assert.ok(loopFrees.length >= 1);
      assert.deepEqual(sites.filter((s) => s.kind === 'free').map((s) => s.line), loopFrees);
      assert.equal(netpath(['drops', 'tap_handle_frame', '--kernel', root, '--cache', cache]).stdout.split('\n').filter((l) => l.includes('goto drop')).length, 4);
    });

    test('time_squeeze is incremented in net_rx_action; softnet dropped in the backlog enqueue', async () => {
      const dev = 'net/core/dev.c';
      const squeeze = await engine.counterSites('time_squeeze');
      assert.equal(squeeze.file, '/proc/net/softnet_stat');
      assert.deepEqual(squeeze.sites.map((s) => [s.function, s.file, s.line]), [['net_rx_action', dev, linesOf(root, dev, /time_squeeze\+\+/, 'net_rx_action')[0]]]);
      const dropped = await engine.counterSites('/proc/net/softnet_stat:dropped');
      const enqueue = linesOf(root, dev, /sd->dropped\+\+|atomic_inc\(&sd->dropped\)/, 'enqueue_to_backlog');
      assert.equal(enqueue.length, 1);
      assert.deepEqual(dropped.sites.map((s) => [s.function, s.line]), [['enqueue_to_backlog', enqueue[0]]]);
      const rx = await engine.sites('net_rx_action');
      assert.ok(rx.some((s) => s.kind === 'counter' && s.counters.includes('time_squeeze') && s.line === squeeze.sites[0].line));
    });

    test('RcvbufErrors is charged in __udp_queue_rcv_skb and the multicast delivery path; Udp6RcvbufErrors in net/ipv6/udp.c', () => {
      const r = netpath(['counter-sites', 'RcvbufErrors', '--kernel', root, '--cache', cache, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const v4 = JSON.parse(r.stdout);
      assert.equal(v4.counter, 'RcvbufErrors');
      assert.equal(v4.file, '/proc/net/snmp');
      assert.equal(v4.mib, 'UDP_MIB_RCVBUFERRORS');
      const udp = 'net/ipv4/udp.c';
      // A site is the line the macro call starts on.
      const callLine = (fn: string) => linesOf(root, udp, /UDP_INC_STATS\(/, fn).find((l) => /RCVBUFERRORS/.test(fs.readFileSync(path.join(root, udp), 'utf8').split('\n').slice(l - 1, l + 1).join(' ')));
      assert.deepEqual(v4.sites.map((s: { function: string; file: string; line: number }) => [s.function, s.file, s.line]), [
        ['__udp_queue_rcv_skb', udp, callLine('__udp_queue_rcv_skb')],
        ['__udp4_lib_mcast_deliver', udp, callLine('__udp4_lib_mcast_deliver')],
      ]);
      const v6 = JSON.parse(netpath(['counter-sites', 'Udp6RcvbufErrors', '--kernel', root, '--cache', cache, '--json']).stdout);
      assert.equal(v6.file, '/proc/net/snmp6');
      assert.ok(v6.sites.length >= 2);
      assert.deepEqual([...new Set(v6.sites.map((s: { file: string }) => s.file))], ['net/ipv6/udp.c']);
      assert.ok(v6.sites.some((s: { function: string }) => s.function === '__udp6_lib_mcast_deliver'));
    });

    test('the reason variable set in both branches before __udp_queue_rcv_skb frees: both reasons, read from the tree', async () => {
      const udp = 'net/ipv4/udp.c';
      const text = fs.readFileSync(path.join(root, udp), 'utf8').split('\n');
      const [free] = linesOf(root, udp, /(kfree_skb_reason|sk_skb_reason_drop)\(.*drop_reason\)/, '__udp_queue_rcv_skb');
      assert.ok(free, 'the free with drop_reason in __udp_queue_rcv_skb');
      // The reasons stored into drop_reason in the lines above the free, within the enqueue-failure block.
      const stored = new Set<string>();
      for (let l = free - 1; l > free - 20; l--) for (const m of text[l - 1].matchAll(/drop_reason = (SKB_DROP_REASON_\w+)/g)) stored.add(m[1]);
      assert.deepEqual([...stored].sort(), ['SKB_DROP_REASON_PROTO_MEM', 'SKB_DROP_REASON_SOCKET_RCVBUFF']);
      const site = (await engine.sites('__udp_queue_rcv_skb')).find((s) => s.kind === 'free' && s.line === free);
      assert.ok(site, `a free site at ${udp}:${free}`);
      assert.equal(site.reason, null);
      assert.deepEqual(site.reasons, { values: [...stored].sort() });
      const r = netpath(['drops', '__udp_queue_rcv_skb', '--kernel', root, '--cache', cache]);
      assert.match(r.stdout, new RegExp(`${udp}:${free}\\t.*one of SKB_DROP_REASON_PROTO_MEM, SKB_DROP_REASON_SOCKET_RCVBUFF`));
    });

    test('drops --path lists the drop sites along the receive chain, in chain order', () => {
      const r = netpath(['drops', '--path', 'ixgbe_poll', '__udp_queue_rcv_skb', '--kernel', root, '--cache', cache, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const p = JSON.parse(r.stdout) as { functions: string[]; sites: DropSite[] };
      assert.equal(p.functions[0], 'ixgbe_poll');
      assert.equal(p.functions[p.functions.length - 1], '__udp_queue_rcv_skb');
      const order = p.sites.map((s) => p.functions.indexOf(s.function));
      assert.ok(order.every((x, i) => x >= 0 && (i === 0 || x >= order[i - 1])), 'sites in chain order');
      assert.ok(p.sites.some((s) => s.function === '__udp_queue_rcv_skb' && s.counters.includes('RcvbufErrors')));
    });

    test('bad input: unknown function, unknown or ambiguous counter, missing arguments', () => {
      const none = netpath(['drops', 'no_such_function_anywhere', '--kernel', root, '--cache', cache]);
      assert.equal(none.status, 1);
      assert.match(none.stderr, /no function or file "no_such_function_anywhere"/);
      const unknown = netpath(['counter-sites', 'NoSuchCounter', '--kernel', root, '--cache', cache]);
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /no counter named "NoSuchCounter"/);
      const ambiguous = netpath(['counter-sites', 'drops', '--kernel', root, '--cache', cache]);
      assert.equal(ambiguous.status, 1);
      assert.match(ambiguous.stderr, /ambiguous: .*\/proc\/net\/udp:drops/);
      assert.equal(netpath(['counter-sites']).status, 2);
      assert.equal(netpath(['drops', '--path', 'ixgbe_poll']).status, 2);
    });

    test('golden: drop sites of tap.c, udp.c and dev.c, and the counter map', async () => {
      for (const file of ['drivers/net/tap.c', 'net/ipv4/udp.c', 'net/core/dev.c']) {
        checkGolden(`${version}/drops-${file.replace(/\//g, '__')}.txt`, (await engine.sites(file)).map(goldenLine));
      }
      const map = await engine.counterMap();
      checkGolden(`${version}/drops-counter-map.txt`, map.entries.map((e) =>
        [e.file, e.prefix ?? '', e.name, e.mib ?? '', e.field ?? '', e.struct ?? '', e.column ?? '', e.drop ? 'drop' : ''].join(' | ')).sort());
    });
  });
}
