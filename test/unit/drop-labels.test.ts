// The drop-label classifier and the counter map on a small hand-written tree
// (test/fixtures/drops/tree), through the real indexer, call graph and parser.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { DropEngine, qualifiedName, UnknownCounterError } from '../../server/src/engine/drops/engine';
import type { DropSite } from '../../server/src/engine/drops/types';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'drops', 'tree');

function fixtureFiles(dir = FIXTURE, out: Record<string, string> = {}): Record<string, string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) fixtureFiles(p, out);
    else out[path.relative(FIXTURE, p)] = fs.readFileSync(p, 'utf8');
  }
  return out;
}

/** 1-based line of the `nth` line (0-based) of fixture file `rel` containing `needle`. */
function line(rel: string, needle: string, nth = 0): number {
  const lines = fs.readFileSync(path.join(FIXTURE, rel), 'utf8').split('\n');
  const hits = lines.map((l, i) => (l.includes(needle) ? i + 1 : 0)).filter(Boolean);
  assert.ok(hits[nth], `"${needle}" #${nth} not in ${rel}`);
  return hits[nth];
}

let root = '';
let cache = '';
let engine: DropEngine;
before(async () => {
  root = makeFakeTree(fixtureFiles());
  cache = tempCache('drop-labels');
  const index = await KernelIndex.open(root, { cacheRoot: cache, workers: 1 });
  engine = new DropEngine(index, CallGraph.build(index.files, index.knowledge));
});
after(() => {
  removeTree(root);
  fs.rmSync(cache, { recursive: true, force: true });
});

const L = 'drivers/net/labels.c';
const brief = (s: DropSite) => [s.line, s.kind, s.label ?? s.via ?? '', s.reason, s.counters.join(','), s.condition ?? ''];

test('labels that free the skb or count a drop are drop labels; others are not, whatever their name', async () => {
  const sites = await engine.sites('my_rx');
  assert.deepEqual(sites.map(brief), [
    [line(L, 'goto drop;', 0), 'goto', 'drop', 'SKB_DROP_REASON_PKT_TOO_SMALL', '', '!skb->len'],
    [line(L, 'goto drop;', 1), 'goto', 'drop', 'SKB_DROP_REASON_NOT_SPECIFIED', '', 'skb->len > 1500'],
    [line(L, 'goto discard;'), 'goto', 'discard', null, 'drops', '!(skb->protocol)'],
    [line(L, 'goto count;'), 'goto', 'count', null, 'rx_dropped', 'skb->priority'],
    // The label's own code stores the reason, then jumps to the label that frees.
    [line(L, 'goto short_packet;'), 'goto', 'short_packet', 'SKB_DROP_REASON_PKT_TOO_SMALL', '', 'skb->hash'],
    [line(L, 'dev_kfree_skb_any(skb);'), 'free', 'dev_kfree_skb_any', null, '', ''],
    [line(L, '\tkfree_skb(skb);'), 'free', 'kfree_skb', null, '', ''],
  ]);
  const drop = sites[0];
  assert.equal(drop.labelLine, line(L, 'drop:'));
  assert.equal(drop.reasonText, 'packet size is too small');
  assert.equal(sites.find((s) => s.via === 'dev_kfree_skb_any')?.notAlwaysDrop, true);
  assert.equal(sites.find((s) => s.via === 'kfree_skb')?.notAlwaysDrop, undefined);
  // The callback is followed through the call graph to the inline helper that counts.
  assert.deepEqual(sites.find((s) => s.label === 'count')?.through, ['d->count_rx_dropped', 'my_count_rx_dropped', 'my_count_drop']);
});

test('a drop label that code also runs into: its counter and free are sites of their own too', async () => {
  const sites = await engine.sites('my_enqueue');
  assert.deepEqual(sites.map(brief), [
    [line(L, 'goto drop;', 3), 'goto', 'drop', 'SKB_DROP_REASON_NOT_SPECIFIED', 'dropped', '!skb->dev'],
    [line(L, 'sd->dropped++'), 'counter', '++', null, 'dropped', ''],
    [line(L, 'kfree_skb_reason(skb, reason);', 1), 'free', 'kfree_skb_reason', 'SKB_DROP_REASON_PKT_TOO_SMALL', '', ''],
  ]);
});

test('counter sites: field increments typed by their receiver, and inline counting helpers', async () => {
  const sites = await engine.sites('my_poll');
  // `d->dropped++` is not softnet_data.dropped: d is a struct my_dev.
  assert.deepEqual(sites.map(brief), [
    [line(L, 'sd->time_squeeze++'), 'counter', '++', null, 'time_squeeze', ''],
    [line(L, '\tmy_count_drop(d);', 1), 'counter', 'my_count_drop', null, 'rx_dropped', ''],
  ]);
  // A file query lists every function's sites, the helpers' own increments included.
  const file = await engine.sites('drivers/net/labels.c');
  assert.deepEqual(file.filter((s) => s.function === 'my_rx' || s.function === 'my_poll'), [...await engine.sites('my_rx'), ...sites]);
  assert.deepEqual(file.filter((s) => s.function === 'my_count_drop').map(brief), [[line(L, 'this_cpu_inc'), 'counter', 'this_cpu_inc', null, 'rx_dropped', '']]);
});

test('a driver-private counter is named by what its stats getter reports it as', async () => {
  // rx_errs is copied into stats->rx_errors and stats->rx_dropped by my_get_stats64.
  assert.deepEqual((await engine.sites('my_vlan_rx')).map(brief), [[line(L, '\tmy_count_err(v);'), 'counter', 'my_count_err', null, 'rx_dropped,rx_errors', '']]);
  assert.deepEqual((await engine.sites('my_count_err')).map(brief), [[line(L, 'this_cpu_inc(v->pcpu->rx_errs)'), 'counter', 'this_cpu_inc', null, 'rx_dropped,rx_errors', '']]);
});

test('the counter map is read from the tree: MIB tables with /proc file and prefix, softnet columns, sysfs, socket columns', async () => {
  const map = await engine.counterMap();
  const show = (name: string) => map.entries.filter((e) => e.name === name).map((e) => ({ ...e, source: undefined }));
  assert.deepEqual(show('RcvbufErrors'), [{ name: 'RcvbufErrors', file: '/proc/net/snmp', prefix: 'Udp', mib: 'UDP_MIB_RCVBUFERRORS', source: undefined, drop: true }]);
  assert.deepEqual(show('flow_limit_count'), [{ name: 'flow_limit_count', file: '/proc/net/softnet_stat', column: 4, field: 'count', struct: 'sd_flow_limit', source: undefined, drop: true }]);
  assert.deepEqual(show('dropped').map((e) => [e.column, e.struct]), [[2, 'softnet_data']]);
  assert.deepEqual(show('rx_dropped').map((e) => e.file), ['/sys/class/net/*/statistics/rx_dropped']);
  assert.deepEqual(show('drops').map((e) => [e.file, e.field]), [['/proc/net/udp', 'sk_drops']]);
  const r = await engine.counterSites('RcvbufErrors');
  assert.deepEqual(r, { counter: 'RcvbufErrors', key: 'Udp:RcvbufErrors', file: '/proc/net/snmp', mib: 'UDP_MIB_RCVBUFERRORS', prefixes: ['Udp'],
    sites: [{ function: 'udp_queue', file: 'net/ipv4/udp.c', line: line('net/ipv4/udp.c', 'UDP_MIB_RCVBUFERRORS'), via: '__UDP_INC_STATS' }] });
  assert.deepEqual((await engine.counterSites('Udp:RcvbufErrors')).sites.length, 1);
  await assert.rejects(engine.counterSites('NoSuchCounter'), UnknownCounterError);
  // Every counter's qualified name (the key "Explain counter…" and the counters panel send) resolves to it alone.
  for (const e of map.entries) assert.equal((await engine.counterSites(qualifiedName(e))).counter, e.name);
});
