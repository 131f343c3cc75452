// netpath-test: host
// Live drops attributed to the 6.12 tree's drop sites. What this kernel really says for a UDP
// receive-buffer overflow is `location=udp_queue_rcv_one_skb+0x437 reason: SOCKET_RCVBUFF`
// (udpv6_queue_rcv_one_skb for ::1): the free is the one in __udp_queue_rcv_skb, a static function
// the compiler folded into udp_queue_rcv_one_skb; udp_queue_rcv_one_skb's own drop label frees
// with other reasons only. Expected lines are read from the tree's text, not written here.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { Recorded, TRACEFS, globalEnable, hostRestored, useTracefs } from '../helpers/live-session';
import { KernelIndex } from '../../server/src/engine/indexer';
import { AnalysisHost } from '../../server/src/engine/analysis/snapshot';
import { kernelVersion } from '../../server/src/engine/kernel-tree';
import { DropAttributor, versionGuard, type LiveDropRow } from '../../server/src/live-drops/attribution';

/** The line of the first line holding `text` inside the function starting with `header`. */
function lineIn(root: string, rel: string, header: string, text: string): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  assert.ok(start >= 0, `${header} in ${rel}`);
  const i = lines.findIndex((l, n) => n > start && l.includes(text));
  return i + 1;
}

describe('live drops attributed to the Linux 6.12 tree', () => {
  useTracefs();
  let root = '';
  let attributor: DropAttributor;
  let v4 = 0;
  let v6 = 0;
  before(async () => {
    root = kernelTree('6.12');
    const idx = await KernelIndex.open(root, { cacheRoot: sharedCache() });
    const host = new AnalysisHost({ log: () => undefined });
    host.setIndex(idx);
    const a = host.analysis()!;
    attributor = new DropAttributor(await a.drops(), await a.graph());
    v4 = lineIn(root, 'net/ipv4/udp.c', 'static int __udp_queue_rcv_skb(', 'sk_skb_reason_drop(');
    v6 = lineIn(root, 'net/ipv6/udp.c', 'static int __udpv6_queue_rcv_skb(', 'sk_skb_reason_drop(');
  });

  test('SOCKET_RCVBUFF at udp_queue_rcv_one_skb+0x437: the free of __udp_queue_rcv_skb, inlined into it; IPv6 alike', async () => {
    const r = await attributor.row({ location: { fn: 'udp_queue_rcv_one_skb', offset: 0x437, size: 0x4c0 }, reason: 'SOCKET_RCVBUFF', count: 1999 }, 2);
    assert.equal(r.verdict, 'drop');
    assert.deepEqual(r.sites.map((s) => [s.file, s.line, s.function, s.inlinedInto]), [['net/ipv4/udp.c', v4, '__udp_queue_rcv_skb', 'udp_queue_rcv_one_skb']]);
    assert.deepEqual(r.sites[0].reasons.sort(), ['PROTO_MEM', 'SOCKET_RCVBUFF']);
    assert.equal(r.ratePerS, 999.5);
    assert.equal(r.note, 'the only site with this reason');
    const r6 = await attributor.row({ location: { fn: 'udpv6_queue_rcv_one_skb', offset: 0x46e, size: 0x530 }, reason: 'SOCKET_RCVBUFF', count: 5 }, 1);
    assert.deepEqual(r6.sites.map((s) => [s.file, s.line, s.function]), [['net/ipv6/udp.c', v6, '__udpv6_queue_rcv_skb']]);
  });

  test('a reason several gotos carry: one of N sites; teardown frees apart; unknown symbols and addresses unmapped', async () => {
    const ns = await attributor.row({ location: { fn: 'udp_queue_rcv_one_skb', offset: 0x300, size: 0x4c0 }, reason: 'NOT_SPECIFIED', count: 1 }, 1);
    assert.equal(ns.verdict, 'drop');
    assert.ok(ns.sites.length >= 2 && ns.note === `one of ${ns.sites.length} sites with this reason`, JSON.stringify(ns));
    assert.ok(ns.sites.every((s) => s.kind === 'goto' && s.function === 'udp_queue_rcv_one_skb'));
    const teardown = await attributor.row({ location: { fn: 'udp_destruct_common', offset: 0xb9, size: 0xf0 }, reason: 'NOT_SPECIFIED', count: 1 }, 1);
    assert.equal(teardown.verdict, 'freed');
    assert.match(teardown.note, /^freed, probably not a drop: udp_destruct_common is a generic freeing helper/);
    const clone = await attributor.row({ location: { fn: 'udp_queue_rcv_one_skb.isra.0', offset: 1, size: 2 }, reason: 'SOCKET_RCVBUFF', count: 1 }, 1);
    assert.equal(clone.sites[0]?.line, v4, 'compiler clone suffixes are stripped');
    const none = await attributor.row({ location: { fn: 'no_such_function_here', offset: 1, size: 2 }, reason: 'SOCKET_RCVBUFF', count: 1 }, 1);
    assert.equal(none.verdict, 'unmapped');
    const addr = await attributor.row({ location: { address: 'ffffffff81a2b3c4' }, count: 1 }, 1);
    assert.equal(addr.verdict, 'unmapped');
    assert.deepEqual(versionGuard('6.12.117', '6.12.117+deb12-amd64'), { approximate: false });
    assert.equal(versionGuard('6.12.11', '6.12.117+deb12-amd64').approximate, true);
  });

  test('live, as root: overflowed UDP sockets (IPv4, IPv6) are attributed to those sites; lines approximate on this host', async () => {
    assert.equal(process.getuid?.(), 0, 'prerequisite missing: root');
    assert.ok(fs.existsSync(`${TRACEFS}/events/skb/kfree_skb/enable`), `prerequisite missing: ${TRACEFS}`);
    const before = globalEnable();
    const r = new Recorded({ intervalS: 1 });
    r.session.start();
    const rows: LiveDropRow[] = [];
    try {
      await r.until('the first interval', () => r.intervals.length >= 1);
      for (const family of ['udp4', 'udp6'] as const) {
        const s = await UnreadUdpSocket.open(family);
        try {
          await s.flood(1500, 512);
        } finally {
          s.close();
        }
      }
      const total = (fn: string) => r.intervals.flatMap((i) => i.rows).filter((x) => x.location.fn === fn && x.reason === 'SOCKET_RCVBUFF').reduce((a, x) => a + x.count, 0);
      await r.until('the drops of both sockets', () => total('udp_queue_rcv_one_skb') >= 1499 && total('udpv6_queue_rcv_one_skb') >= 1499);
    } finally {
      await r.session.stop();
    }
    await hostRestored(r.session.marker, before);
    for (const iv of r.intervals) rows.push(...(await attributor.report(iv, 1)).rows);
    const rcvbuf = rows.filter((x) => x.reason === 'SOCKET_RCVBUFF' && x.fn?.startsWith('udp'));
    assert.ok(rcvbuf.length >= 2);
    for (const x of rcvbuf) {
      assert.equal(x.verdict, 'drop', JSON.stringify(x));
      const want = x.fn === 'udp_queue_rcv_one_skb' ? ['net/ipv4/udp.c', v4] : ['net/ipv6/udp.c', v6];
      assert.deepEqual(x.sites.map((s) => [s.file, s.line]), [want]);
    }
    const hello = r.messages.find((m) => m.kind === 'hello');
    assert.ok(hello?.kind === 'hello');
    const guard = versionGuard(kernelVersion(root), hello.release);
    assert.equal(guard.approximate, !hello.release.startsWith(`${kernelVersion(root)}`), guard.why);
  });
});
