// The persisted call graph (graph-store.ts) and the analysis snapshot (analysis/snapshot.ts) on a
// small hand-written tree: a restored graph answers like the built one; a corrupt, truncated, or
// mismatched graph file is rebuilt, never trusted; an edit gives the next reader a new analysis.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { decodeGraph, encodeGraph, graphKey, graphPath, GraphFileError, GRAPH_FORMAT_VERSION, loadGraphFile, restoreGraph } from '../../server/src/engine/callgraph/graph-store';
import { AnalysisHost, type Analysis } from '../../server/src/engine/analysis/snapshot';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';

const TREE: Record<string, string> = {
  'include/linux/netdevice.h': [
    'struct sk_buff { struct net_device *dev; };',
    'struct packet_type { int (*func)(struct sk_buff *skb); };',
    'struct net_device { int (*rx_handler)(struct sk_buff *skb); struct packet_type *pt; };',
    'int netdev_rx_handler_register(struct net_device *dev, int (*h)(struct sk_buff *));',
    'static inline struct net_device *skb_dev(struct sk_buff *skb) { return skb->dev; }',
    '',
  ].join('\n'),
  'net/core/dev.c': [
    '#include <linux/netdevice.h>',
    'int netdev_rx_handler_register(struct net_device *dev, int (*h)(struct sk_buff *))',
    '{',
    '\tdev->rx_handler = h;',
    '\treturn 0;',
    '}',
    'static int deliver(struct sk_buff *skb, struct packet_type *pt)',
    '{',
    '\treturn INDIRECT_CALL_1(pt->func, ip_rcv, skb);',
    '}',
    'int netif_receive_skb(struct sk_buff *skb)',
    '{',
    '\tint (*rx_handler)(struct sk_buff *) = skb->dev->rx_handler;',
    '\trx_handler(skb);',
    '\treturn deliver(skb, skb_dev(skb)->pt);',
    '}',
    'static int through_fields(struct sk_buff *skb, struct packet_type *pt)',
    '{',
    '\tpt->func(skb);',
    '\treturn skb->dev->rx_handler(skb);',
    '}',
    '',
  ].join('\n'),
  'net/core/Makefile': 'obj-y += dev.o\n',
  'net/ipv4/ip_input.c': [
    '#include <linux/netdevice.h>',
    'static int ip_rcv_finish(struct sk_buff *skb)',
    '{',
    '\treturn 0;',
    '}',
    'int ip_rcv(struct sk_buff *skb)',
    '{',
    '\treturn ip_rcv_finish(skb);',
    '}',
    'static struct packet_type ip_packet_type = { .func = ip_rcv };',
    '',
  ].join('\n'),
  'drivers/net/tap.c': [
    '#include <linux/netdevice.h>',
    'static int tap_handle_frame(struct sk_buff *skb)',
    '{',
    '\treturn 0;',
    '}',
    'int tap_open(struct net_device *dev)',
    '{',
    '\treturn netdev_rx_handler_register(dev, tap_handle_frame);',
    '}',
    '',
  ].join('\n'),
};

let root = '';
let cache = '';
let idx: KernelIndex;

before(async () => {
  root = makeFakeTree(TREE);
  cache = tempCache('graph-store');
  idx = await KernelIndex.open(root, { cacheRoot: cache });
});

after(() => {
  removeTree(root);
  removeTree(cache);
});

const key = () => graphKey(idx.stateFingerprint()!);
const calls = (g: CallGraph, name: string, dir: 'out' | 'in') =>
  g.idsOf(name).flatMap((id) => g[dir][id].map((e) => g.hop(g.edges[e]))).map((h) => `${h.caller}->${h.callee}:${h.line}:${h.kind}:${h.candidates ?? ''}`).sort();
const host = (opts: ConstructorParameters<typeof AnalysisHost>[0] = {}) => {
  const h = new AnalysisHost(opts);
  h.setIndex(idx);
  return h;
};

/** Everything the public API exposes, in a comparable form. */
function snapshot(g: CallGraph) {
  return {
    nodes: g.nodes, edges: g.edges, stats: g.stats, byName: [...g.byName], flows: [...g.flows], out: g.out, in: g.in,
    paths: g.paths('netif_receive_skb', 'ip_rcv_finish', 3), field: g.resolveField('func', 'packet_type', 1),
    typeOf: [g.typeOf('skb->dev', g.idsOf('netif_receive_skb')[0]), g.typeOf('skb_dev(skb)->pt', g.idsOf('netif_receive_skb')[0]), g.typeOf('pt', g.idsOf('deliver')[0])],
    resolve: g.resolveName('deliver', 'net/core/dev.c'),
  };
}

test('a restored graph answers every query like the graph it was saved from', () => {
  const built = CallGraph.build(idx.files, idx.knowledge);
  // The fixture exercises every kind of edge the store must carry.
  const kinds = new Set(built.edges.map((e) => e.kind));
  for (const k of ['direct', 'macro', 'field', 'registered', 'variable'] as const) assert.ok(kinds.has(k), `${k} edges: ${JSON.stringify(built.edges)}`);
  assert.ok(built.nodes.some((n) => n.params) && built.nodes.some((n) => n.isStatic));
  assert.ok([...built.flows.values()].flat().some((f) => f.struct) && built.edges.some((e) => e.candidates !== undefined));
  // Properties the columns do not hold (a field a build adds later) survive the round trip.
  Object.assign(built.edges[0], { param: 2 });
  Object.assign(built.nodes[1], { someday: 'a new node field' });
  if (!built.external.size) built.external.set(built.idsOf('tap_open')[0], [{ via: 'an external invoker', file: 'drivers/net/tap.c', line: 8 }]);
  const restored = restoreGraph(encodeGraph(built, key()), key(), idx.files);
  assert.deepEqual(snapshot(restored), snapshot(built));
  // Every field of a built graph is persisted, or derived on restore, or listed here as build-only:
  // a field added to CallGraph fails this until graph-store.ts stores it (or it is listed).
  const buildOnly = new Set(['fileIds', 'vars', 'returnStructs', 'varsAt', 'returnAt', 'lastVars', 'returns', 'pendingTypes', 'table', 'outRows', 'inRows']);
  restored.typeOf('skb', 0);
  for (const k of Object.keys(built)) {
    if (!buildOnly.has(k)) assert.deepEqual((restored as unknown as Record<string, unknown>)[k], (built as unknown as Record<string, unknown>)[k], `CallGraph.${k}`);
  }
  assert.equal(snapshot(built).typeOf[0], 'net_device');
  assert.deepEqual(calls(restored, 'netif_receive_skb', 'out'), calls(built, 'netif_receive_skb', 'out'));
});

test('a graph file of another format, index state, length or content is refused', () => {
  const built = CallGraph.build(idx.files, idx.knowledge);
  const good = encodeGraph(built, key());
  const refused = (buf: Buffer, why: RegExp) => assert.throws(() => decodeGraph(buf, key()), (e: unknown) => e instanceof GraphFileError && why.test(e.message));
  refused(encodeGraph(built, graphKey('another state')), /another index state/);
  refused(good.subarray(0, good.length - 7), /truncated/);
  refused(good.subarray(0, 20), /truncated/);
  refused(Buffer.from('not a graph at all'), /not a netpath graph/);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3] ^= 0xff;
  refused(flipped, /checksum/);
  const older = Buffer.from(good);
  older.writeUInt32LE(GRAPH_FORMAT_VERSION + 1, 8);
  refused(older, /graph format/);
});

test('the first analysis builds and saves the graph; the next process loads it', async () => {
  fs.rmSync(graphPath(idx.cacheDir), { force: true });
  const first = host().analysis()!;
  const built = await first.graph();
  assert.equal(first.graphInfo?.source, 'built');
  assert.ok(fs.existsSync(graphPath(idx.cacheDir)));
  const second = host().analysis()!;
  const loaded = await second.graph();
  assert.equal(second.graphInfo?.source, 'loaded');
  assert.deepEqual(snapshot(loaded), snapshot(built));
  // Once per version: the same analysis, the same graph and drop engine.
  const h = host();
  const a = h.analysis()!;
  assert.equal(h.analysis(), a);
  assert.equal(await a.graph(), await a.graph());
  assert.equal(await a.drops(), await a.drops());
});

for (const damage of ['corrupt', 'truncated', 'mismatched', 'older format'] as const) {
  test(`a ${damage} graph file is rebuilt, never trusted`, async () => {
    await host().analysis()!.graph(); // a good file first
    const file = graphPath(idx.cacheDir);
    const buf = fs.readFileSync(file);
    if (damage === 'corrupt') buf[buf.length - 100] ^= 0x55;
    if (damage === 'older format') buf.writeUInt32LE(GRAPH_FORMAT_VERSION + 7, 8);
    fs.writeFileSync(file, damage === 'truncated' ? buf.subarray(0, buf.length >> 1) : damage === 'mismatched' ? encodeGraph(CallGraph.build(idx.files, idx.knowledge), graphKey('other')) : buf);
    const logs: string[] = [];
    const a = host({ log: (_level, m) => logs.push(m) }).analysis()!;
    const g = await a.graph();
    assert.equal(a.graphInfo?.source, 'built', logs.join('\n'));
    assert.match(a.graphInfo?.problem ?? '', damage === 'mismatched' ? /another index state/ : damage === 'truncated' ? /truncated/ : damage === 'corrupt' ? /checksum/ : /graph format/);
    assert.deepEqual(calls(g, 'tap_open', 'out'), calls(CallGraph.build(idx.files, idx.knowledge), 'tap_open', 'out'));
    assert.ok('graph' in loadGraphFile(idx.cacheDir, key(), idx.files), 'a good file replaced it');
  });
}

test('stale after an edit: a change to any file bumps the version, and the next analysis sees a call it adds', async () => {
  const h = host();
  const before = h.analysis()!;
  const old = await before.graph();
  assert.ok(!calls(old, 'ip_rcv', 'out').some((c) => c.startsWith('ip_rcv->tap_open')));
  const rel = 'net/ipv4/ip_input.c';
  const text = fs.readFileSync(path.join(root, rel), 'utf8').replace('\treturn ip_rcv_finish(skb);', '\ttap_open(skb->dev);\n\treturn ip_rcv_finish(skb);');
  const version = idx.version;
  const oldKey = key();
  await idx.reindexFile(rel, text); // an unsaved buffer: nothing written to the tree
  assert.equal(idx.version, version + 1);
  assert.notEqual(key(), oldKey, 'the graph key covers unsaved buffers (mtime 0) through the shard checksum');
  const after = h.analysis()!;
  assert.notEqual(after, before);
  assert.ok(after.revision > before.revision);
  assert.deepEqual(calls(await after.graph(), 'ip_rcv', 'out').filter((c) => c.includes('tap_open')), ['ip_rcv->tap_open:8:direct:']);
  assert.equal(after.graphInfo?.source, 'built', 'the graph file of the previous state is not trusted');
  // The old analysis is a snapshot: it still answers for its own version.
  assert.ok(!calls(await before.graph(), 'ip_rcv', 'out').some((c) => c.includes('tap_open')));
  assert.ok(!before.view.files.get(rel)!.calls.some((c) => c.name === 'tap_open'));
  // Back to the disk version: another version, whose graph no longer has the call.
  await idx.reindexFile(rel);
  assert.ok(!calls(await h.analysis()!.graph(), 'ip_rcv', 'out').some((c) => c.includes('tap_open')));
  await idx.removeFile('drivers/net/tap.c');
  const removed = h.analysis()!;
  assert.deepEqual((await removed.graph()).idsOf('tap_open'), []);
  await idx.reindexFile('drivers/net/tap.c');
});

test('in a worker thread: the graph is built from what the cache on disk holds, unsaved buffers included', async () => {
  const progress: string[] = [];
  const h = host({ worker: true, onProgress: (p) => progress.push(p.message) });
  const rel = 'drivers/net/tap.c';
  const text = fs.readFileSync(path.join(root, rel), 'utf8') + 'int tap_close(struct net_device *dev)\n{\n\treturn tap_open(dev);\n}\n';
  await idx.reindexFile(rel, text);
  const a: Analysis = h.analysis()!;
  const g = await a.graph();
  assert.equal(a.graphInfo?.source, 'built');
  assert.deepEqual(calls(g, 'tap_close', 'out'), ['tap_close->tap_open:12:direct:']);
  assert.ok(progress.some((m) => /resolving calls/.test(m)), progress.join('\n'));
  assert.deepEqual(snapshot(g), snapshot(CallGraph.build(idx.files, idx.knowledge)));
  // The graph of a state with an unsaved buffer is handed over, not saved (it would replace the
  // disk state's): a restarted server on the same state builds it again.
  const again = host({ worker: true }).analysis()!;
  await again.graph();
  assert.equal(again.graphInfo?.source, 'built');
  await idx.reindexFile(rel);
  // Back on the files on disk: the worker's graph is saved, and the next server loads it.
  const disk = host({ worker: true }).analysis()!;
  await disk.graph();
  const next = host({ worker: true }).analysis()!;
  await next.graph();
  assert.equal(next.graphInfo?.source, 'loaded');
});
