// The names users type for a counter (shared/counter-names.ts): column, prefixed, nstat and snmp6
// forms, IPv4 and IPv6 labelled apart, exact matches first. The entries have the shape and names
// of the 6.12 tree's counter map (net/ipv4/proc.c, net/ipv6/proc.c); the kernel tests run the
// same matching on both real maps (test/kernel/explain-counter.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { counterTitle, familyOf, matchCounters, nstatName, resolveCounter, unresolvedMessage, type NamedCounter } from '../../shared/counter-names';

const MAP: NamedCounter[] = [
  { key: 'Udp:RcvbufErrors', name: 'RcvbufErrors', file: '/proc/net/snmp', prefix: 'Udp', drop: true },
  { key: 'UdpLite:RcvbufErrors', name: 'RcvbufErrors', file: '/proc/net/snmp', prefix: 'UdpLite', drop: true },
  { key: '/proc/net/snmp6:Udp6RcvbufErrors', name: 'Udp6RcvbufErrors', file: '/proc/net/snmp6', drop: true },
  { key: '/proc/net/snmp6:UdpLite6RcvbufErrors', name: 'UdpLite6RcvbufErrors', file: '/proc/net/snmp6', drop: true },
  { key: 'Udp:InErrors', name: 'InErrors', file: '/proc/net/snmp', prefix: 'Udp', drop: true },
  { key: 'TcpExt:TCPBacklogDrop', name: 'TCPBacklogDrop', file: '/proc/net/netstat', prefix: 'TcpExt', drop: true },
  { key: '/proc/net/softnet_stat:dropped', name: 'dropped', file: '/proc/net/softnet_stat', field: 'dropped', drop: true },
  { key: 'rx_dropped', name: 'rx_dropped', file: '/sys/class/net/*/statistics/rx_dropped', field: 'rx_dropped', drop: true },
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

// resolveCounter: what every command taking a counter (counter-sites, explain, their LSP requests,
// the counters panel's links) does with a name. More of the 6.12 map's real entries: the
// InCsumErrors of four protocols, the two socket files' drops, softnet's flow_limit_count.
const MORE: NamedCounter[] = [
  ...MAP,
  { key: 'Udp:InCsumErrors', name: 'InCsumErrors', file: '/proc/net/snmp', prefix: 'Udp', drop: true },
  { key: 'Tcp:InCsumErrors', name: 'InCsumErrors', file: '/proc/net/snmp', prefix: 'Tcp', drop: true },
  { key: 'IpExt:InCsumErrors', name: 'InCsumErrors', file: '/proc/net/netstat', prefix: 'IpExt', drop: true },
  { key: '/proc/net/snmp6:Udp6InCsumErrors', name: 'Udp6InCsumErrors', file: '/proc/net/snmp6', drop: true },
  { key: '/proc/net/udp:drops', name: 'drops', file: '/proc/net/udp', field: 'sk_drops', drop: true },
  { key: '/proc/net/raw:drops', name: 'drops', file: '/proc/net/raw', field: 'sk_drops', drop: true },
  { key: '/proc/net/softnet_stat:flow_limit_count', name: 'flow_limit_count', file: '/proc/net/softnet_stat', field: 'count', drop: true },
];
const one = (q: string) => {
  const r = resolveCounter(q, MORE);
  assert.equal(r.kind, 'one', `${q}: ${JSON.stringify(r)}`);
  return r.kind === 'one' ? r : undefined!;
};

test('every name form of one counter resolves to it, in any case', () => {
  for (const q of ['Udp:RcvbufErrors', 'Udp RcvbufErrors', 'UdpRcvbufErrors', 'RcvbufErrors', '/proc/net/snmp:RcvbufErrors', 'udp:rcvbuferrors', 'UDPRCVBUFERRORS', ' rcvbuferrors ']) {
    assert.equal(one(q).counter.key, 'Udp:RcvbufErrors', q);
  }
  for (const q of ['Udp6RcvbufErrors', 'Udp6:RcvbufErrors', 'Udp6 RcvbufErrors', '/proc/net/snmp6:Udp6RcvbufErrors', 'udp6rcvbuferrors']) {
    assert.equal(one(q).counter.key, '/proc/net/snmp6:Udp6RcvbufErrors', q);
  }
  for (const q of ['UdpLite:RcvbufErrors', 'UdpLite RcvbufErrors', 'UdpLiteRcvbufErrors']) assert.equal(one(q).counter.key, 'UdpLite:RcvbufErrors', q);
  for (const q of ['TcpExt:TCPBacklogDrop', 'TcpExt TCPBacklogDrop', 'TcpExtTCPBacklogDrop', 'TCPBacklogDrop']) assert.equal(one(q).counter.key, 'TcpExt:TCPBacklogDrop', q);
  for (const q of ['dropped', '/proc/net/softnet_stat:dropped']) assert.equal(one(q).counter.key, '/proc/net/softnet_stat:dropped', q);
  assert.equal(one('rx_dropped').counter.key, 'rx_dropped');
  assert.equal(one('count').counter.key, '/proc/net/softnet_stat:flow_limit_count', 'the struct field, as the code names it');
  assert.equal(one('/proc/net/udp:drops').counter.key, '/proc/net/udp:drops');
});

test('a plain name one protocol\'s families share: IPv4\'s main protocol, the others in also; a qualified name has no also', () => {
  const r = one('RcvbufErrors');
  assert.deepEqual(r.also.map((c) => c.key), ['/proc/net/snmp6:Udp6RcvbufErrors', 'UdpLite:RcvbufErrors', '/proc/net/snmp6:UdpLite6RcvbufErrors']);
  assert.deepEqual(one('UdpRcvbufErrors').also, []);
  assert.deepEqual(one('InErrors').also, [], 'one counter with that column');
});

test('a plain name of different protocols or files is ambiguous: nothing chosen, every candidate named', () => {
  const csum = resolveCounter('InCsumErrors', MORE);
  assert.ok(csum.kind === 'ambiguous', JSON.stringify(csum));
  assert.deepEqual(csum.candidates.map((c) => c.key).sort(), ['/proc/net/snmp6:Udp6InCsumErrors', 'IpExt:InCsumErrors', 'Tcp:InCsumErrors', 'Udp:InCsumErrors']);
  assert.equal(unresolvedMessage('InCsumErrors', csum).split(': name one of ')[0], 'counter "InCsumErrors" is ambiguous');
  assert.match(unresolvedMessage('InCsumErrors', csum), /Tcp:InCsumErrors \(IPv4 TCP InCsumErrors\), .*Udp:InCsumErrors \(IPv4 UDP InCsumErrors\)/);
  for (const q of ['drops', 'sk_drops']) {
    const r = resolveCounter(q, MORE);
    assert.equal(r.kind, 'ambiguous', q);
    assert.deepEqual(r.kind === 'ambiguous' && r.candidates.map((c) => c.key).sort(), ['/proc/net/raw:drops', '/proc/net/udp:drops'], q);
  }
  // The qualified forms of each still name exactly one.
  assert.equal(one('Udp:InCsumErrors').counter.key, 'Udp:InCsumErrors');
  assert.equal(one('IpExtInCsumErrors').counter.key, 'IpExt:InCsumErrors');
});

test('a substring or an unknown name resolves to nothing; names containing it are suggested', () => {
  const part = resolveCounter('Rcvbuf', MORE);
  assert.ok(part.kind === 'none', JSON.stringify(part));
  assert.equal(unresolvedMessage('Rcvbuf', part), 'no counter named "Rcvbuf" in the counter map of this tree; names containing it: Udp:RcvbufErrors, /proc/net/snmp6:Udp6RcvbufErrors, UdpLite:RcvbufErrors, /proc/net/snmp6:UdpLite6RcvbufErrors');
  const none = resolveCounter('NoSuchCounter', MORE);
  assert.deepEqual(none, { kind: 'none', suggestions: [] });
  assert.equal(unresolvedMessage('NoSuchCounter', none as Exclude<typeof none, { kind: 'one' }>), 'no counter named "NoSuchCounter" in the counter map of this tree');
  assert.deepEqual(resolveCounter('  ', MORE), { kind: 'none', suggestions: [] });
  assert.equal(resolveCounter('Udp:', MORE).kind, 'none', 'a prefix alone names nothing');
});
