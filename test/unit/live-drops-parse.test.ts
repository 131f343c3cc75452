// The live-drop parsers on real lines of this machine's kernel (copied from its trace_pipe), the
// older kernels' forms written out by hand, and property-based garbage and truncation: a line
// is read or refused, never guessed, and nothing throws.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { locationKey, parseBpftraceAggregate, parseLocation, parseTraceLine } from '../../server/src/live-drops/trace-line';
import { SessionFrames } from '../../server/src/live-drops/session-frames';

/** Real lines: Linux 6.18 here, a UDP socket overflowed on loopback, then closed. */
const REAL = [
  '            node-31793   [001] ..s1. 14215.725120: kfree_skb: skbaddr=00000000a76cda82 rx_sk=000000001f41ea3f protocol=2048 location=udp_queue_rcv_one_skb+0x437/0x4c0 reason: SOCKET_RCVBUFF',
  '            node-31801   [000] ..s1. 14216.001002: kfree_skb: skbaddr=0000000011aa22bb rx_sk=000000001f41ea3f protocol=34525 location=udpv6_queue_rcv_one_skb+0x46e/0x530 reason: SOCKET_RCVBUFF',
  '            node-31793   [001] ...1. 14216.120000: kfree_skb: skbaddr=00000000a76cda82 rx_sk=0000000000000000 protocol=2048 location=udp_destruct_common+0xb9/0xf0 reason: NOT_SPECIFIED',
];
/** Older kernels: 4.x printed a bare address and no reason; 5.x before 5.17 no reason. */
const OLD = [
  '          <idle>-0     [002] ..s. 1234.5678: kfree_skb: skbaddr=ffff8881e4c2a800 protocol=2048 location=0xffffffff81a2b3c4',
  '          <idle>-0     [002] ..s. 1234.5678: kfree_skb: skbaddr=ffff8881e4c2a800 protocol=2048 location=ffffffff81a2b3c4',
  '     ksoftirqd/0-9     [000] ..s1 99.1: kfree_skb: skbaddr=00000000deadbeef protocol=2048 location=nft_do_chain+0x12f/0x5d0 [nf_tables] reason: NETFILTER_DROP',
];

describe('kfree_skb trace lines', () => {
  test('this kernel: function, offset, size, reason, protocol', () => {
    assert.deepEqual(parseTraceLine(REAL[0]), { location: { fn: 'udp_queue_rcv_one_skb', offset: 0x437, size: 0x4c0 }, reason: 'SOCKET_RCVBUFF', protocol: 2048 });
    assert.equal(parseTraceLine(REAL[1])?.location.fn, 'udpv6_queue_rcv_one_skb');
    assert.equal(parseTraceLine(REAL[2])?.reason, 'NOT_SPECIFIED');
    assert.equal(locationKey(parseTraceLine(REAL[0])!.location), 'udp_queue_rcv_one_skb+0x437');
  });

  test('older kernels: a bare address, no reason; module symbols keep their module', () => {
    assert.deepEqual(parseTraceLine(OLD[0]), { location: { address: 'ffffffff81a2b3c4' }, protocol: 2048 });
    assert.deepEqual(parseTraceLine(OLD[1])?.location, { address: 'ffffffff81a2b3c4' });
    assert.deepEqual(parseTraceLine(OLD[2]), { location: { fn: 'nft_do_chain', offset: 0x12f, size: 0x5d0, module: 'nf_tables' }, reason: 'NETFILTER_DROP', protocol: 2048 });
    assert.equal(parseLocation('foo.isra.0+0x1/0x2')?.fn, 'foo.isra.0');
    assert.equal(parseLocation('udp_queue_rcv_one_skb+0x437'), undefined, 'no size: not what %pS prints');
  });

  test('other events and cut lines are refused, not guessed', () => {
    assert.equal(parseTraceLine('  <...>-1711 [001] ...1. 14491.26: tracing_mark_write: netpath-tick'), undefined);
    assert.equal(parseTraceLine(REAL[0].slice(0, REAL[0].indexOf('+0x4'))), undefined, 'location cut');
    assert.equal(parseTraceLine(REAL[0].slice(0, REAL[0].indexOf(' reason: ') + 8)), undefined, 'reason cut after the colon');
  });

  test('bpftrace aggregate lines: address as decimal or hex, reason number, count', () => {
    assert.deepEqual(parseBpftraceAggregate('@drops[18446744071581156661, 6]: 199'), { address: 'ffffffff81234535', reasonCode: 6, count: 199 });
    assert.deepEqual(parseBpftraceAggregate('@drops[0xffffffff81234535, 2]: 1'), { address: 'ffffffff81234535', reasonCode: 2, count: 1 });
    assert.equal(parseBpftraceAggregate('@drops[18446744073709551616, 6]: 1'), undefined, 'beyond 64 bits');
    assert.equal(parseBpftraceAggregate('@drops[1, 6]:'), undefined);
  });

  test('property: garbage and truncated lines never throw, and a parsed line has a location', () => {
    const pieces = fc.constantFrom(...REAL, ...OLD, ' kfree_skb: ', 'location=', ' reason: ', '+0x', '/0x', ' [', ']', 'ffffffff', '\t', ' ', 'protocol=');
    const garbage = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.array(fc.oneof(pieces, fc.string({ maxLength: 20 })), { maxLength: 20 }).map((a) => a.join('')));
    fc.assert(fc.property(garbage, (line) => {
      const e = parseTraceLine(line);
      if (e) assert.ok(e.location.fn !== undefined || e.location.address !== undefined);
      const b = parseBpftraceAggregate(line);
      if (b) assert.ok(b.count >= 0 && b.address.length === 16);
    }), { numRuns: 2000 });
    for (const line of [...REAL, ...OLD]) {
      fc.assert(fc.property(fc.nat({ max: line.length }), (cut) => {
        const e = parseTraceLine(line.slice(0, cut));
        // A cut line parses only if the cut fell after the location; then what it says is a prefix of the truth.
        if (e?.reason) assert.ok(parseTraceLine(line)!.reason!.startsWith(e.reason));
      }));
    }
  });
});

describe('session frames', () => {
  const M = '@@netpath-0123456789abcdef';
  const session = [
    `${M} HELLO 3904 6.18.44-fc-v595 /sys/kernel/tracing /sys/kernel/tracing/instances/netpath-3904 0 0 tracefs`,
    `${M} FORMAT`,
    'print fmt: "skbaddr=%p rx_sk=%p protocol=%u location=%pS reason: %s", REC->skbaddr, REC->rx_sk, REC->protocol, REC->location, __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, { 6, "SOCKET_RCVBUFF" })',
    `${M} FORMATEND`,
    `${M} BEGIN 1 14593.90`,
    'C 499 udpv6_queue_rcv_one_skb+0x46e/0x530 SOCKET_RCVBUFF',
    'C 1 udp_destruct_common+0xb9/0xf0 NOT_SPECIFIED',
    'C 3 0xffffffff81a2b3c4 -',
    'C 7 udp_queue_rcv_one_skb+0x437/0x4c0 #6',
    'C 1 udp_queue_rcv_one_skb+0x437/0x4c0 #99',
    `${M} STATS 503 0 0 16`,
    `${M} END 1`,
    `${M} STOPPED signal`,
  ].join('\n') + '\n';

  test('hello, the host reason table, an interval with its rows, stopped', () => {
    const f = new SessionFrames(M);
    const msgs = f.feed(session);
    assert.deepEqual(msgs.map((m) => m.kind), ['hello', 'reasons', 'interval', 'stopped']);
    const reasons = msgs[1].kind === 'reasons' ? msgs[1].reasons : undefined;
    assert.equal(reasons?.get(6), 'SOCKET_RCVBUFF');
    const iv = msgs[2];
    assert.ok(iv.kind === 'interval');
    assert.equal(iv.rows.length, 5);
    assert.equal(iv.rows[3].reason, 'SOCKET_RCVBUFF', 'bpftrace rows name the reason through the host table');
    assert.equal(iv.rows[4].reason, '99', 'a number the table lacks stays a number');
    assert.deepEqual(iv.rows[0], { location: { fn: 'udpv6_queue_rcv_one_skb', offset: 0x46e, size: 0x530 }, count: 499, reason: 'SOCKET_RCVBUFF' });
    assert.equal(iv.rows[2].reason, undefined);
    assert.equal(iv.events, 503);
    assert.equal(f.stray, 0);
  });

  test('property: any cut of the stream, any chunking, and garbage never throw; an interval needs its END', () => {
    fc.assert(fc.property(fc.nat({ max: session.length }), fc.array(fc.nat({ max: 40 }), { maxLength: 30 }), (cut, sizes) => {
      const f = new SessionFrames(M);
      const text = session.slice(0, cut);
      const msgs = [];
      let at = 0;
      for (const n of sizes) {
        msgs.push(...f.feed(text.slice(at, at + n)));
        at += n;
      }
      msgs.push(...f.feed(text.slice(at)));
      f.end();
      const iv = msgs.find((m) => m.kind === 'interval');
      if (iv) assert.ok(cut >= session.indexOf(`${M} END 1`) + `${M} END 1`.length, 'an interval completes only with its END line');
    }));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (g) => {
      const f = new SessionFrames(M);
      const msgs = f.feed(g + '\n' + session + g);
      assert.ok(msgs.some((m) => m.kind === 'interval'));
    }));
  });
});
