// The names users type for a counter (shared/counter-names.ts): column, prefixed, nstat and snmp6
// forms, IPv4 and IPv6 labelled apart, exact matches first. The entries have the shape and names
// of the 6.12 tree's counter map (net/ipv4/proc.c, net/ipv6/proc.c); the kernel tests run the
// same matching on both real maps (test/kernel/explain-counter.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { counterTitle, familyOf, matchCounters, nstatName, type NamedCounter } from '../../shared/counter-names';

const MAP: NamedCounter[] = [
  { key: 'Udp:RcvbufErrors', name: 'RcvbufErrors', file: '/proc/net/snmp', prefix: 'Udp', drop: true },
  { key: 'UdpLite:RcvbufErrors', name: 'RcvbufErrors', file: '/proc/net/snmp', prefix: 'UdpLite', drop: true },
  { key: '/proc/net/snmp6:Udp6RcvbufErrors', name: 'Udp6RcvbufErrors', file: '/proc/net/snmp6', drop: true },
  { key: '/proc/net/snmp6:UdpLite6RcvbufErrors', name: 'UdpLite6RcvbufErrors', file: '/proc/net/snmp6', drop: true },
  { key: 'Udp:InErrors', name: 'InErrors', file: '/proc/net/snmp', prefix: 'Udp', drop: true },
  { key: 'TcpExt:TCPBacklogDrop', name: 'TCPBacklogDrop', file: '/proc/net/netstat', prefix: 'TcpExt', drop: true },
  { key: '/proc/net/softnet_stat:dropped', name: 'dropped', file: '/proc/net/softnet_stat', drop: true },
  { key: 'rx_dropped', name: 'rx_dropped', file: '/sys/class/net/*/statistics/rx_dropped', drop: true },
];
const keys = (q: string) => matchCounters(q, MAP).map((m) => m.counter.key);

test('a bare column name gives IPv4 first, then IPv6, each labelled; the -Lite variants after', () => {
  assert.deepEqual(keys('RcvbufErrors'), ['Udp:RcvbufErrors', '/proc/net/snmp6:Udp6RcvbufErrors', 'UdpLite:RcvbufErrors', '/proc/net/snmp6:UdpLite6RcvbufErrors']);
  assert.deepEqual(matchCounters('RcvbufErrors', MAP).slice(0, 2).map((m) => counterTitle(m.counter)), ['IPv4 UDP RcvbufErrors', 'IPv6 UDP RcvbufErrors']);
});

test('nstat, prefixed and snmp6 names pick exactly their counter first', () => {
  assert.equal(keys('UdpRcvbufErrors')[0], 'Udp:RcvbufErrors');
  assert.equal(keys('Udp:RcvbufErrors')[0], 'Udp:RcvbufErrors');
  assert.equal(keys('Udp6RcvbufErrors')[0], '/proc/net/snmp6:Udp6RcvbufErrors');
  assert.equal(keys('TcpExtTCPBacklogDrop')[0], 'TcpExt:TCPBacklogDrop');
  assert.equal(keys('udprcvbuferrors')[0], 'Udp:RcvbufErrors', 'case does not matter, after exact names');
  assert.equal(nstatName(MAP[0]), 'UdpRcvbufErrors');
  assert.equal(nstatName(MAP[2]), 'Udp6RcvbufErrors');
  assert.equal(nstatName(MAP[6]), undefined);
});

test('families and other files; substrings rank after exact names; nothing for an unknown name', () => {
  assert.deepEqual(MAP.map(familyOf), ['IPv4', 'IPv4', 'IPv6', 'IPv6', 'IPv4', 'IPv4 and IPv6', 'softnet', 'device']);
  assert.equal(keys('dropped')[0], '/proc/net/softnet_stat:dropped');
  assert.ok(keys('dropped').includes('rx_dropped'), 'substring');
  assert.deepEqual(keys('NoSuchCounter'), []);
  assert.deepEqual(keys('  '), []);
});
