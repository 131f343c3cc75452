// Counter rates at increment lines, without VS Code: only moving counters are shown and asked for,
// each once (a failed ask is retried after RETRY_MS), a counter's rate is summed over its rows
// (two sockets' drops), and a line that bumps two counters shows both, fastest first. Names and
// lines are those of Linux 6.1's net/ipv4/udp.c (__udp_queue_rcv_skb).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CounterLineRates, RETRY_MS } from '../../client/src/counter-line-rates';
import type { CounterRowView, CounterSiteLocation } from '../../shared/protocol';

const U = 'file:///k/net/ipv4/udp.c';
const row = (key: string, sitesName: string | undefined, rate: number | null): CounterRowView => ({ key, name: key, value: '0', rate, gauge: false, drop: true, hot: !!rate, ...(sitesName ? { sitesName } : {}) });
const at = (line: number, via = 'UDP_INC_STATS'): CounterSiteLocation => ({ function: '__udp_queue_rcv_skb', file: 'net/ipv4/udp.c', line, uri: U, via });

test('moving counters only, asked once; rates summed over rows; two counters on a line, fastest first', () => {
  const c = new CounterLineRates();
  assert.deepEqual(c.update([row('snmp:Udp:RcvbufErrors', 'Udp:RcvbufErrors', 399), row('snmp:Udp:InErrors', 'Udp:InErrors', 400), row('snmp:Udp:NoPorts', 'Udp:NoPorts', 0), row('irq', undefined, 12)], 0),
    ['Udp:RcvbufErrors', 'Udp:InErrors']);
  assert.deepEqual(c.update([row('snmp:Udp:RcvbufErrors', 'Udp:RcvbufErrors', 399)], 1), [], 'asked already (pending)');
  c.sites('Udp:RcvbufErrors', [at(2161)]);
  c.sites('Udp:InErrors', [at(2169), at(2161)]);
  c.update([row('snmp:Udp:RcvbufErrors', 'Udp:RcvbufErrors', 399), row('snmp:Udp:InErrors', 'Udp:InErrors', 400), row('udp:a', '/proc/net/udp:drops', 150), row('udp:b', '/proc/net/udp:drops', 249)], 2);
  assert.deepEqual(c.decorations('local').map((d) => [d.line, d.text]), [
    [2161, '+400/s Udp:InErrors · +399/s Udp:RcvbufErrors, local'],
    [2169, '+400/s Udp:InErrors, local'],
  ]);
  assert.match(c.decorations('local')[0].hover, /`Udp:RcvbufErrors` \(UDP_INC_STATS in __udp_queue_rcv_skb\): \+399\/s now/);
  // The sockets' drops: asked when they moved, summed over both sockets once known.
  c.sites('/proc/net/udp:drops', [at(1500, 'atomic_inc')]);
  assert.equal(c.decorations('local').find((d) => d.line === 1500)?.text, '+399/s /proc/net/udp:drops, local');
  // A counter that stops moving leaves its lines.
  c.update([row('snmp:Udp:RcvbufErrors', 'Udp:RcvbufErrors', 0)], 3);
  assert.deepEqual(c.decorations('local'), []);
});

test('a failed ask (no index yet) is asked again after RETRY_MS, not on every sample', () => {
  const c = new CounterLineRates();
  const moving = [row('softnet:dropped', '/proc/net/softnet_stat:dropped', 5)];
  assert.deepEqual(c.update(moving, 0), ['/proc/net/softnet_stat:dropped']);
  c.sites('/proc/net/softnet_stat:dropped', undefined, 0);
  assert.deepEqual(c.update(moving, RETRY_MS - 1), []);
  assert.deepEqual(c.update(moving, RETRY_MS), ['/proc/net/softnet_stat:dropped']);
});
