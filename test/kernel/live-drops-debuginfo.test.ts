// Exact lines from debuginfo, with real parts: Debian's debug build of the 6.12 tree's kernel
// (vmlinux with DWARF) and the 6.12 index. The test finds, in that vmlinux's own machine code,
// the calls to sk_skb_reason_drop inside udp_queue_rcv_one_skb and the return offsets the
// kfree_skb tracepoint would report for them (`location=udp_queue_rcv_one_skb+0x<ret>/0x<size>`);
// the attribution must put one at __udp_queue_rcv_skb's free (inlined) and the other at the
// `drop:` label's free of udp_queue_rcv_one_skb, and narrow the candidates to those lines.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { debugBuild } from '../helpers/debug-build';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { AnalysisHost } from '../../server/src/engine/analysis/snapshot';
import { DropAttributor } from '../../server/src/live-drops/attribution';
import { DebugInfo } from '../../server/src/live-drops/debuginfo';

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 });
  assert.equal(r.status, 0, `prerequisite missing or failed: ${cmd} (binutils): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

describe('live drops: exact lines from the 6.12 debug build', () => {
  let root = '';
  let withDebug: DropAttributor;
  let plain: DropAttributor;
  let rets: number[] = [];
  let size = 0;
  let rcvbufFree = 0;
  let labelFree = 0;
  let dropLabel = 0;

  before(async () => {
    root = kernelTree('6.12');
    const { vmlinux } = debugBuild();
    const idx = await KernelIndex.open(root, { cacheRoot: sharedCache() });
    const host = new AnalysisHost({ log: () => undefined });
    host.setIndex(idx);
    const a = host.analysis()!;
    const [engine, graph] = [await a.drops(), await a.graph()];
    withDebug = new DropAttributor(engine, graph, new DebugInfo(vmlinux));
    plain = new DropAttributor(engine, graph);
    // The function's address and its size to the next symbol, as kallsyms and %pS see it.
    const syms = tool('nm', ['-n', '--defined-only', vmlinux]).split('\n');
    const at = syms.findIndex((l) => / [tT] udp_queue_rcv_one_skb$/.test(l));
    assert.ok(at >= 0, 'udp_queue_rcv_one_skb in the vmlinux');
    const start = BigInt(`0x${syms[at].slice(0, 16)}`);
    let next = at + 1;
    while (BigInt(`0x${syms[next].slice(0, 16)}`) === start) next++;
    const end = BigInt(`0x${syms[next].slice(0, 16)}`);
    size = Number(end - start);
    // Each call to the free, and the address of the instruction after it (the return address).
    const asm = tool('objdump', ['-d', '--no-show-raw-insn', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${end.toString(16)}`, vmlinux]).split('\n');
    rets = [];
    for (let i = 0; i < asm.length; i++) {
      if (!/\scall\s.*<sk_skb_reason_drop>/.test(asm[i])) continue;
      const nextInsn = asm.slice(i + 1).find((l) => /^\s*[0-9a-f]+:/.test(l))!;
      rets.push(Number(BigInt(`0x${nextInsn.trim().split(':')[0]}`) - start));
    }
    assert.equal(rets.length, 2, 'two calls to sk_skb_reason_drop in udp_queue_rcv_one_skb (its drop label, and inlined __udp_queue_rcv_skb)');
    const lines = fs.readFileSync(path.join(root, 'net/ipv4/udp.c'), 'utf8').split('\n');
    const inner = lines.findIndex((l) => l.startsWith('static int __udp_queue_rcv_skb('));
    rcvbufFree = lines.findIndex((l, i) => i > inner && l.includes('sk_skb_reason_drop(')) + 1;
    const outer = lines.findIndex((l) => l.startsWith('static int udp_queue_rcv_one_skb('));
    dropLabel = lines.findIndex((l, i) => i > outer && l === 'drop:') + 1;
    labelFree = lines.findIndex((l, i) => i > dropLabel && l.includes('sk_skb_reason_drop(')) + 1;
    assert.ok(rcvbufFree > 0 && dropLabel > 0 && labelFree > dropLabel);
  });

  test('SOCKET_RCVBUFF at the inlined call: exactly __udp_queue_rcv_skb\'s free; NOT_SPECIFIED at the label\'s call: only the gotos to drop:', async () => {
    const results = await Promise.all(rets.map(async (off) => ({
      off,
      rcvbuf: await withDebug.row({ location: { fn: 'udp_queue_rcv_one_skb', offset: off, size }, reason: 'SOCKET_RCVBUFF', count: 1 }, 1),
      unspecified: await withDebug.row({ location: { fn: 'udp_queue_rcv_one_skb', offset: off, size }, reason: 'NOT_SPECIFIED', count: 1 }, 1),
    })));
    const inlined = results.find((x) => x.rcvbuf.exact?.line === rcvbufFree);
    const label = results.find((x) => x.unspecified.exact?.line === labelFree);
    assert.ok(inlined && label && inlined !== label, JSON.stringify(results.map((x) => [x.off, x.rcvbuf.exact, x.unspecified.exact])));
    assert.deepEqual(inlined.rcvbuf.exact, { file: 'net/ipv4/udp.c', line: rcvbufFree, function: '__udp_queue_rcv_skb', inlinedInto: ['udp_queue_rcv_one_skb'] });
    assert.deepEqual(inlined.rcvbuf.sites.map((s) => [s.file, s.line]), [['net/ipv4/udp.c', rcvbufFree]]);
    assert.match(inlined.rcvbuf.note, /^exact line from debuginfo: net\/ipv4\/udp\.c:\d+ \(__udp_queue_rcv_skb inlined into udp_queue_rcv_one_skb\)$/);
    // Without debuginfo NOT_SPECIFIED stays "one of N" over every goto of the function; with it, only gotos to labels above the free.
    const before = await plain.row({ location: { fn: 'udp_queue_rcv_one_skb', offset: label.off, size }, reason: 'NOT_SPECIFIED', count: 1 }, 1);
    assert.ok(label.unspecified.sites.length >= 1 && label.unspecified.sites.length <= before.sites.length);
    assert.ok(label.unspecified.sites.every((s) => s.kind === 'goto' && s.function === 'udp_queue_rcv_one_skb' && s.labelLine! <= labelFree && s.reasons.includes('NOT_SPECIFIED')), JSON.stringify(label.unspecified.sites));
    // The inlined call frees with SOCKET_RCVBUFF or PROTO_MEM only: NOT_SPECIFIED there fits no site at that line.
    assert.match(inlined.unspecified.debuginfo ?? '', /where no candidate site is/);
  });

  test('a location whose size does not match this vmlinux: said so, candidates kept', async () => {
    const r = await withDebug.row({ location: { fn: 'udp_queue_rcv_one_skb', offset: rets[0], size: size + 16 }, reason: 'SOCKET_RCVBUFF', count: 1 }, 1);
    assert.match(r.debuginfo ?? '', /is not 0x[0-9a-f]+ bytes long: this debuginfo is not the host's kernel/);
    assert.equal(r.exact, undefined);
    assert.equal(r.sites.length, 1, 'the reason filter alone still applies');
  });
});
