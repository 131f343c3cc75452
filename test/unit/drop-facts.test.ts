// Counter bumps recorded at index time (FileFacts.increments), through the real parser and queries.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadCParser } from '../../server/src/engine/parser';
import { baseKnowledge } from '../../server/src/engine/knowledge';
import { indexText, makeFileIndexContext } from '../../server/src/engine/file-indexer';

test('field increments, counting calls and SNMP macros become increments; decrements and plain calls do not', async () => {
  const ctx = makeFileIndexContext(await loadCParser(), baseKnowledge());
  const src = [
    'void f(struct softnet_data *sd, struct sock *sk, struct net_device *dev)',
    '{',
    '\tsd->time_squeeze++; ++sd->dropped; sd->processed--; dev->stats.rx_dropped += 2; i++;',
    '\tatomic_inc(&sk->sk_drops); atomic_add(segs, &sk->sk_drops); atomic_read(&sk->sk_drops);',
    '\t__UDP_INC_STATS(net, UDP_MIB_RCVBUFERRORS, is_udplite);',
    '\tdev_core_stats_rx_dropped_inc(dev); DEV_STATS_INC(dev, rx_errors); constructor(x);',
    '\tthis_cpu_inc(vlan->pcpu_stats->rx_errors);',
    '}',
    'int g = 0;',
  ].join('\n');
  const r = indexText(ctx, src, 'x.c', 0, src.length);
  assert.ok(r.ok);
  assert.deepEqual(r.facts.increments.map((i) => [i.line, i.kind, i.name, i.via, i.receiver ?? '']), [
    [3, 'field', 'time_squeeze', '++', 'sd'],
    [3, 'field', 'dropped', '++', 'sd'],
    [3, 'field', 'rx_dropped', '+=', 'dev->stats'],
    [4, 'field', 'sk_drops', 'atomic_inc', 'sk'],
    [4, 'field', 'sk_drops', 'atomic_add', 'sk'],
    [5, 'mib', 'UDP_MIB_RCVBUFERRORS', '__UDP_INC_STATS', ''],
    [6, 'field', 'rx_dropped', 'dev_core_stats_rx_dropped_inc', 'dev'],
    [6, 'field', 'rx_errors', 'DEV_STATS_INC', 'dev'],
    [7, 'field', 'rx_errors', 'this_cpu_inc', 'vlan->pcpu_stats'],
  ]);
  assert.ok(r.facts.increments.every((i) => i.fn === 0));
});
