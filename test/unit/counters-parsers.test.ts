// Every counter source parser: on this machine's live /proc and /sys text, on the format quirks of
// ../shared/notes/counters.md written out by hand, and fuzzed property-based with truncated and
// garbage input (never throws; a prefix cut at a line end yields a subset with the same values).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { parseInterrupts, parseSoftirqs } from '../../live-counters/parsers/irq';
import { parseMibPairs, parseSnmp6 } from '../../live-counters/parsers/mib';
import { parseEthtool, parseNetDev, parseSysStatistics } from '../../live-counters/parsers/netdev';
import { parseSoftnet } from '../../live-counters/parsers/softnet';
import { address, parseUdp } from '../../live-counters/parsers/udp';
import { readLocalSnapshot } from '../../live-counters/local-feed';
import { counterKey, type Counter, type SourceParser } from '../../live-counters/types';
import { FrameParser } from '../../live-counters/frames';
import { parseSnapshot } from '../../live-counters/parsers';
import { sitesName } from '../../live-counters/site-names';

// Real sockets, so that /proc/net/udp and udp6 have rows to read.
const sockets = [dgram.createSocket('udp4'), dgram.createSocket('udp6')];
before(async () => {
  await Promise.all(sockets.map((s, i) => new Promise<void>((resolve) => s.bind(0, i ? '::1' : '127.0.0.1', resolve))));
});
after(() => sockets.forEach((s) => s.close()));

const byKey = (cs: Counter[]) => new Map(cs.map((c) => [counterKey(c), c]));

test('live /proc of this machine: every source parses into counters', async () => {
  const snap = await readLocalSnapshot();
  const text = (id: string) => snap.sources.get(id)!.text;
  const cpus = fs.readFileSync('/proc/net/softnet_stat', 'utf8').trim().split('\n').length;
  const softnet = parseSoftnet(text('softnet'));
  assert.equal(new Set(softnet.map((c) => c.group)).size, cpus, 'one group per online cpu');
  assert.ok(softnet.some((c) => c.name === 'dropped'));
  const snmp = byKey(parseMibPairs(text('snmp'), 'snmp'));
  assert.ok(snmp.has('snmp.Udp.RcvbufErrors') && snmp.has('snmp.Ip.InReceives'));
  assert.equal(snmp.get('snmp.Tcp.CurrEstab')?.gauge, true);
  assert.ok(byKey(parseMibPairs(text('netstat'), 'netstat')).has('netstat.TcpExt.ListenDrops'));
  assert.ok(byKey(parseSnmp6(text('snmp6'))).has('snmp6.Udp6RcvbufErrors'));
  assert.ok(byKey(parseNetDev(text('dev'))).has('dev.lo.rx_packets'));
  assert.ok(byKey(parseSysStatistics(text('sys'))).has('sys.lo.rx_dropped'));
  const irq = parseInterrupts(text('interrupts'));
  assert.ok(irq.some((c) => c.group === 'LOC' && c.name === 'cpu0'));
  assert.ok(irq.some((c) => /^\d+$/.test(c.group) && c.label), 'device rows carry their actions');
  assert.ok(parseSoftirqs(text('softirqs')).some((c) => c.group === 'NET_RX' && c.name === 'cpu0'));
});

test('softnet_stat: hex u32 columns, cpu id from column 13, old 10-column rows by row index', () => {
  const new15 = '00000010 00000002 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000000 00000000\n';
  const c = byKey(parseSoftnet(new15));
  assert.equal(c.get('softnet.cpu3.processed')!.value, 16n);
  assert.equal(c.get('softnet.cpu3.dropped')!.value, 2n);
  assert.equal(c.get('softnet.cpu3.backlog_len')!.gauge, true);
  assert.equal(c.get('softnet.cpu3.dropped')!.width, 32);
  const old = 'ffffffff 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n'.repeat(2);
  const o = byKey(parseSoftnet(old));
  assert.equal(o.get('softnet.cpu1.processed')!.value, 0xffffffffn);
  assert.ok(!o.has('softnet.cpu0.cpu'));
});

test('snmp: parsed by name, new fields kept, signed MaxConn, a header without values skipped', () => {
  const text = 'Tcp: RtoAlgorithm MaxConn NewField\nTcp: 1 -1 99\nUdp: InDatagrams RcvbufErrors\nUdp: 5 7\nIcmpMsg: InType3\n';
  const c = byKey(parseMibPairs(text, 'snmp'));
  assert.equal(c.get('snmp.Tcp.MaxConn')!.value, -1n);
  assert.equal(c.get('snmp.Tcp.NewField')!.value, 99n);
  assert.equal(c.get('snmp.Udp.RcvbufErrors')!.value, 7n);
  assert.ok(![...c.keys()].some((k) => k.startsWith('snmp.IcmpMsg')));
});

test('64-bit values beyond 2^53 stay exact', () => {
  const big = '18446744073709551615';
  assert.equal(parseSnmp6(`Ip6InReceives ${big}\n`)[0].value, 18446744073709551615n);
  assert.equal(byKey(parseNetDev(`  eth0: ${big} 1 0 0 0 0 0 0 2 3 0 0 0 0 0 0\n`)).get('dev.eth0.rx_bytes')!.value, BigInt(big));
});

test('udp: addresses decoded, drops is the LAST column, rx_queue hex and a gauge', () => {
  const text = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n' +
    ' 1234: 0100007F:1F90 00000000:0000 07 00000000:00000500 00:00000000 00000000     0        0 4242 2 0000000000000000 1999\n';
  const c = byKey(parseUdp(text, 'udp'));
  assert.equal(c.get('udp.127.0.0.1:8080#4242.drops')!.value, 1999n);
  assert.equal(c.get('udp.127.0.0.1:8080#4242.rx_queue')!.value, 0x500n);
  assert.equal(c.get('udp.127.0.0.1:8080#4242.rx_queue')!.gauge, true);
  assert.equal(address('00000000000000000000000001000000:0035'), '[::1]:53');
});

test('/proc/net/dev: split at the last colon (old kernels glued the name to the first number)', () => {
  const c = byKey(parseNetDev('Inter-|   Receive\n face |bytes\n  eth0:123 4 0 1 0 0 0 0 5 6 0 0 0 0 0 0 0\n'));
  assert.equal(c.get('dev.eth0.rx_bytes')!.value, 123n);
  assert.equal(c.get('dev.eth0.rx_drop')!.value, 1n);
  assert.equal(c.get('dev.eth0.col17')!.value, 0n, 'an unknown extra column is kept');
});

test('ethtool -S: driver names with spaces and colons kept', () => {
  const c = byKey(parseEthtool('NIC statistics:\n     rx_queue_0_drops: 3\n     tx timeout: 1\n     port.rx_dropped: 9\n', 'ethtool', 'eth0'));
  assert.equal(c.get('ethtool.eth0.rx_queue_0_drops')!.value, 3n);
  assert.equal(c.get('ethtool.eth0.tx timeout')!.value, 1n);
  assert.equal(c.get('ethtool.eth0.port.rx_dropped')!.value, 9n);
});

test('interrupts: CPU numbers that jump, actions with spaces and commas, ERR/MIS single values', () => {
  const text = '            CPU0       CPU9       CPU20\n' +
    ' 42:         10         20         30  PCI-MSI 524288-edge      eth0-rx-0, eth0:tx 0\n' +
    'TLB:          1          2          3   TLB shootdowns\n' +
    'ERR:          4\n';
  const c = byKey(parseInterrupts(text));
  assert.equal(c.get('interrupts.42.cpu20')!.value, 30n);
  assert.equal(c.get('interrupts.42.cpu9')!.label, 'eth0-rx-0, eth0:tx 0');
  assert.equal(c.get('interrupts.TLB.cpu9')!.value, 2n);
  assert.equal(c.get('interrupts.ERR.total')!.value, 4n);
});

const PARSERS: Array<[string, SourceParser, string]> = [
  ['softnet', parseSoftnet, '/proc/net/softnet_stat'],
  ['snmp', parseMibPairs, '/proc/net/snmp'],
  ['netstat', parseMibPairs, '/proc/net/netstat'],
  ['snmp6', parseSnmp6, '/proc/net/snmp6'],
  ['udp', parseUdp, '/proc/net/udp'],
  ['udp6', parseUdp, '/proc/net/udp6'],
  ['dev', parseNetDev, '/proc/net/dev'],
  ['interrupts', parseInterrupts, '/proc/interrupts'],
  ['softirqs', parseSoftirqs, '/proc/softirqs'],
  ['sys', parseSysStatistics, ''],
  ['ethtool', (t, s) => parseEthtool(t, s, 'eth0'), ''],
];

function realText(id: string, file: string): string {
  if (file) return fs.readFileSync(file, 'utf8');
  if (id === 'sys') return fs.readdirSync('/sys/class/net/lo/statistics').map((n) => `/sys/class/net/lo/statistics/${n}:${fs.readFileSync(`/sys/class/net/lo/statistics/${n}`, 'utf8').trim()}`).join('\n');
  return 'NIC statistics:\n     rx_packets: 12\n     rx_queue_0_drops: 3\n';
}

function wellFormed(cs: Counter[]): void {
  for (const c of cs) {
    assert.equal(typeof c.value, 'bigint');
    assert.ok(c.name.length > 0 && !c.name.includes('\n') && !c.group.includes('\n'));
    assert.ok(c.width === 32 || c.width === 64);
  }
}

for (const [id, parse, file] of PARSERS) {
  test(`fuzz ${id}: garbage never throws and gives well-formed counters`, () => {
    const real = realText(id, file);
    const lines = real.split('\n');
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.tuple(
        fc.array(fc.oneof(fc.constantFrom(...lines), fc.string({ maxLength: 60 }), fc.constantFrom(':', ' ', '\t', 'CPU0', '0x', '-1', 'ffffffffffffffffffffffffffffffffffff')), { maxLength: 40 }),
        fc.constantFrom('\n', ' ', ':'),
      ).map(([parts, sep]) => parts.join(sep)),
    );
    fc.assert(fc.property(garbage, (text) => {
      wellFormed(parse(text, id));
    }), { numRuns: 300 });
  });

  test(`fuzz ${id}: any truncation never throws; cut at a line end gives a subset with equal values`, () => {
    const real = realText(id, file);
    const full = byKey(parse(real, id));
    assert.ok(full.size > 0, `${id}: the real text has counters`);
    fc.assert(fc.property(fc.nat({ max: real.length }), (cut) => {
      const part = parse(real.slice(0, cut), id);
      wellFormed(part);
      const end = real.lastIndexOf('\n', cut - 1) + 1;
      for (const c of parse(real.slice(0, end), id)) {
        const k = counterKey(c);
        assert.ok(full.has(k), `${k} appeared only in a prefix`);
        assert.equal(full.get(k)!.value, c.value, k);
      }
    }), { numRuns: 200 });
  });
}

test('a frame id or column named like an Object.prototype member is an unknown source, not a parser', () => {
  const ids = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
  const marker = '@@NP1234';
  const stream = [`${marker} BEGIN 1 100.5 boot-1 6.1.0`, ...ids.flatMap((id) => [`${marker} FILE ${id}`, 'Udp: InDatagrams NoPorts', 'Udp: 12 3', `${marker} STATUS ok`]),
    `${marker} FILE snmp`, 'Udp: InDatagrams NoPorts', 'Udp: 12 3', `${marker} STATUS ok`, `${marker} END 1`, ''].join('\n');
  const snaps = new FrameParser(marker).feed(stream);
  assert.equal(snaps.length, 1);
  assert.deepEqual([...snaps[0].sources.keys()], [...ids, 'snmp']);
  const counters = parseSnapshot(snaps[0]);
  assert.deepEqual(counters.map((c) => `${c.source}:${c.group}.${c.name}=${c.value}`).sort(), ['snmp:Udp.InDatagrams=12', 'snmp:Udp.NoPorts=3']);
  // A /proc/net/dev column named `constructor` maps to no engine counter name.
  for (const name of ids) assert.equal(sitesName({ source: 'dev', group: 'eth0', name }), undefined, name);
});
