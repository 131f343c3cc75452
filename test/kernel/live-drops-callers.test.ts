// Frees that are probably not drops, attributed to their callers on the 6.12 tree's receive path:
// real kfree_skb lines of this machine's kernel (test/fixtures/live-drops) and the helpers
// dropwatch users see on idle hosts (skb_release_data, skb_attempt_defer_free). Each caller is
// checked against the tree itself: it is on the receive path, and the call line it names holds
// the call. Expected lines are read from the tree's text.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { AnalysisHost } from '../../server/src/engine/analysis/snapshot';
import { DropAttributor, type LiveDropRow } from '../../server/src/live-drops/attribution';
import { parseTraceLine } from '../../server/src/live-drops/trace-line';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'live-drops', 'kfree-skb-6.18.txt');

/** 1-based line of the first line holding `text` after the line starting with `header`. */
function lineIn(root: string, rel: string, header: string, text: string): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  assert.ok(start >= 0, `${header} in ${rel}`);
  const i = lines.findIndex((l, n) => n > start && l.includes(text));
  assert.ok(i > start, `${text} after ${header}`);
  return i + 1;
}

describe('frees that are probably not drops, attributed to receive-path callers (Linux 6.12)', () => {
  let root = '';
  let attributor: DropAttributor;
  let onPath: Set<string>;
  let real: LiveDropRow[] = [];
  before(async () => {
    root = kernelTree('6.12');
    const idx = await KernelIndex.open(root, { cacheRoot: sharedCache() });
    const host = new AnalysisHost({ log: () => undefined });
    host.setIndex(idx);
    const a = host.analysis()!;
    onPath = await a.receivePathFunctions();
    attributor = new DropAttributor(await a.drops(), await a.graph(), undefined, () => a.receivePathFunctions());
    // The fixture's lines, aggregated per location and reason as the session does.
    const counts = new Map<string, { fn: string; offset: number; size: number; reason: string; count: number }>();
    for (const l of fs.readFileSync(FIXTURE, 'utf8').split('\n').filter((x) => x && !x.startsWith('#'))) {
      const t = parseTraceLine(l);
      assert.ok(t?.location.fn && t.reason, `a real line parses: ${l}`);
      const key = `${t.location.fn}+${t.location.offset}|${t.reason}`;
      const e = counts.get(key) ?? { fn: t.location.fn, offset: t.location.offset!, size: t.location.size!, reason: t.reason, count: 0 };
      e.count++;
      counts.set(key, e);
    }
    real = (await attributor.report({ kind: 'interval', seq: 1, uptime: 0, events: 6, lost: 0, capped: 0, sampleEvery: 1, unreadable: 0,
      rows: [...counts.values()].map((c) => ({ location: { fn: c.fn, offset: c.offset, size: c.size }, reason: c.reason, count: c.count })) }, 1)).rows;
  });

  /** Every caller is on the receive path and its line calls the next function down (a via helper, or `fn`). */
  function checkCallers(r: LiveDropRow, fn: string): void {
    assert.ok(r.callers?.length, `${fn}: callers found: ${r.note}`);
    for (const c of r.callers) {
      assert.ok(onPath.has(`${c.file}|${c.function}`), `${c.function} (${c.file}) is on the receive path`);
      const callee = c.via[0] ?? fn;
      const text = fs.readFileSync(path.join(root, c.file), 'utf8').split('\n')[c.line - 1];
      assert.ok(text.includes(`${callee}(`), `${c.file}:${c.line} calls ${callee}: ${text.trim()}`);
    }
    assert.match(r.note, new RegExp(`called from ${r.callers[0].function} \\(${r.callers[0].file}:${r.callers[0].line}\\)`));
  }

  test('real lines: the teardown free in udp_destruct_common is apart, with no receive-path caller (its callers are socket destructors, reached through sk->sk_destruct); drops keep their sites', () => {
    const teardown = real.filter((r) => r.fn === 'udp_destruct_common');
    assert.equal(teardown.length, 1);
    assert.equal(teardown[0].count, 2, 'the two real lines at the same location, one row');
    assert.equal(teardown[0].verdict, 'freed');
    assert.equal(teardown[0].callers, undefined);
    assert.match(teardown[0].note, /^freed, probably not a drop: udp_destruct_common is a generic freeing helper/);
    const rcvbuf = real.filter((r) => r.reason === 'SOCKET_RCVBUFF');
    assert.equal(rcvbuf.length, 2);
    for (const r of rcvbuf) assert.ok(r.verdict === 'drop' && r.callers === undefined && r.sites.length === 1, JSON.stringify(r));
    const noSocket = real.find((r) => r.fn === '__udp4_lib_rcv');
    assert.equal(noSocket?.verdict, 'drop', 'NO_SOCKET at __udp4_lib_rcv is a drop');
    // Sorted: drops, then unmapped, then what is probably not a drop.
    assert.equal(real[real.length - 1].verdict, 'freed');
  });

  test('skb_release_data: freed, called from pskb_expand_head at its call, and (through skb_release_all) from more of the path', async () => {
    const r = await attributor.row({ location: { fn: 'skb_release_data', offset: 0x1, size: 0x2 }, reason: 'NOT_SPECIFIED', count: 3 }, 1);
    assert.equal(r.verdict, 'freed');
    checkCallers(r, 'skb_release_data');
    const expand = r.callers!.find((c) => c.function === 'pskb_expand_head');
    assert.deepEqual(expand, { function: 'pskb_expand_head', file: 'net/core/skbuff.c', line: lineIn(root, 'net/core/skbuff.c', 'int pskb_expand_head(', 'skb_release_data('), via: [] });
    assert.ok(r.callers!.some((c) => c.via.includes('skb_release_all')), 'up through the other generic helper');
    // Nearest first: no caller through a helper before a direct one.
    const depths = r.callers!.map((c) => c.via.length);
    assert.deepEqual(depths, [...depths].sort((a, b) => a - b));
  });

  test('skb_attempt_defer_free: called from tcp_eat_recv_skb; skb_consume_udp (catalogued as not a drop): from udp_recvmsg and udpv6_recvmsg', async () => {
    const defer = await attributor.row({ location: { fn: 'skb_attempt_defer_free', offset: 0x1, size: 0x2 }, reason: 'NOT_SPECIFIED', count: 1 }, 1);
    checkCallers(defer, 'skb_attempt_defer_free');
    assert.deepEqual(defer.callers!.map((c) => [c.function, c.line]), [['tcp_eat_recv_skb', lineIn(root, 'net/ipv4/tcp.c', 'static void tcp_eat_recv_skb(', 'skb_attempt_defer_free(')]]);
    const consume = await attributor.row({ location: { fn: 'skb_consume_udp', offset: 0x1, size: 0x2 }, reason: 'NOT_SPECIFIED', count: 1 }, 1);
    assert.equal(consume.verdict, 'freed');
    assert.match(consume.note, /the drop-site catalogue marks skb_consume_udp as not a drop/);
    checkCallers(consume, 'skb_consume_udp');
    assert.deepEqual(consume.callers!.map((c) => c.function).sort(), ['udp_recvmsg', 'udpv6_recvmsg']);
  });
});
