// The stack-trace parser on the real published traces of test/fixtures/traces, on each format's
// quirks written out as the kernel and the tools print them, and on garbage (fast-check).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_TRACE_LINES, parseTrace, type Frame } from '../../server/src/engine/traces/parse-trace';
import { buildTraceTree, MAP_STACK_TRACE_COMMAND, STACK_TRACE_VIEW, traceTreeMessage } from '../../client/src/stack-trace-tree';
import type { MapStackTraceResult } from '../../shared/protocol';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'traces');
const names = (s: Frame[]) => s.map((f) => f.fn);
const only = (text: string) => {
  const r = parseTrace(text);
  assert.equal(r.stacks.length, 1, `one stack expected, got ${r.stacks.map(names).join(' | ')}`);
  return r.stacks[0];
};

test('every real fixture trace parses to at least 2 frames', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.txt'));
  assert.ok(files.length >= 30, `prerequisite missing: real traces in ${FIXTURES} (found ${files.length})`);
  for (const f of files) {
    const r = parseTrace(fs.readFileSync(path.join(FIXTURES, f), 'utf8'));
    const longest = Math.max(0, ...r.stacks.map((s) => s.length));
    assert.ok(longest >= 2, `${f}: ${longest} frames`);
    for (const s of r.stacks) for (const fr of s) assert.match(fr.fn, /^[A-Za-z_]\w*$/, `${f}:${fr.lineNo} ${fr.raw}`);
  }
});

test('oops: <IRQ> and task sections are one stack, innermost first; ? frames, .isra/.part suffixes, registers skipped', () => {
  const s = only(`[  323.861597] Call Trace:
[  323.864155]  <IRQ>
[  323.956870]  check_cpu_stall.isra.61+0x6e6/0x15b0
[  323.956871]  ? ip_rcv_finish_core.constprop.0+0x1ee0/0x1ee0
[  324.596827]  process_backlog+0x203/0x740
[  324.763025]  do_softirq_own_stack+0x2a/0x40
[  324.767312]  </IRQ>
[  324.769522]  do_softirq.part.21+0x14d/0x190
[  324.782830]  ip6_finish_output2+0xba0/0x23a0
`);
  assert.deepEqual(names(s), ['check_cpu_stall', 'ip_rcv_finish_core', 'process_backlog', 'do_softirq_own_stack', 'do_softirq', 'ip6_finish_output2']);
  assert.equal(s[0].raw, 'check_cpu_stall.isra.61');
  assert.equal(s[0].offset, 0x6e6);
  assert.equal(s[0].size, 0x15b0);
  assert.equal(s[1].unreliable, true);
  assert.equal(s[1].raw, 'ip_rcv_finish_core.constprop.0');
  assert.equal(s[4].raw, 'do_softirq.part.21');
  assert.equal(s[2].lineNo, 5);
});

test('a register dump between frames marks an interrupt, not a call', () => {
  const s = only(`Call Trace:
 <IRQ>
 net_rx_action+0x17a/0x480
 asm_sysvec_apic_timer_interrupt+0x12/0x20
 </IRQ>
RIP: 0010:enqueue_to_backlog+0x4fd/0x530
Code: 00 00 00 48 8b 6c 24 38 48 89 ef e8 8d ca cd fc 89 5d 00 4c 89 e7
RSP: 0018:ffffc90004167768 EFLAGS: 00000246
 netif_rx_internal+0x49/0x260
`);
  assert.deepEqual(names(s), ['net_rx_action', 'asm_sysvec_apic_timer_interrupt', 'netif_rx_internal']);
  assert.equal(s[2].interrupted, true);
  assert.equal(s[1].interrupted, undefined);
});

test('old kernels: [<address>] prefixes, the marker on a frame line, module tags, build ids', () => {
  const s = only(` <IRQ>  [<ffffffff81656735>] dump_stack+0x19/0x1b
 [<ffffffff8153f53f>] ? __kfree_skb+0x3f/0xa0
 [<ffffffffa03c9273>] ieee80211_deliver_skb.isra.30+0xa3/0x210 [mac80211]
 vxlan_rcv+0x1d/0x30 [vxlan 3b2a6f0e9c1d]
 [<c05e3b54>] (ip_rcv+0x0/0x3e0) from [<c05a1234>] (__netif_receive_skb_core+0x2c/0x90)
`);
  assert.deepEqual(names(s), ['dump_stack', '__kfree_skb', 'ieee80211_deliver_skb', 'vxlan_rcv', 'ip_rcv']);
  assert.equal(s[1].unreliable, true);
  assert.equal(s[2].module, 'mac80211');
  assert.equal(s[3].module, 'vxlan');
});

test('syzkaller symbolized: file:line, [inline] frames, console noise between frames', () => {
  const s = only(`Call Trace:
 <IRQ>
 dst_check include/net/dst.h:498 [inline]
 tcp_v4_early_demux+0x967/0xa60 net/ipv4/tcp_ipv4.c:1480
sctp: [Deprecated]: syz-executor7 (pid 4299) Use of struct sctp_assoc_value in delayed_ack socket option.
Use struct sctp_sack_info instead
 ip_rcv_finish_core net/ipv4/ip_input.c:354 [inline]
 __netif_receive_skb+0x1d/0x1b0 net/core/dev.c:5468
 </IRQ>
`);
  assert.deepEqual(names(s), ['dst_check', 'tcp_v4_early_demux', 'ip_rcv_finish_core', '__netif_receive_skb']);
  assert.deepEqual([s[0].inlined, s[0].file, s[0].line], [true, 'include/net/dst.h', 498]);
  assert.deepEqual([s[3].inlined, s[3].file, s[3].line, s[3].offset], [undefined, 'net/core/dev.c', 5468, 0x1d]);
});

test('prefixes: dmesg timestamps, caller ids, kernel:, syslog, printk levels', () => {
  const s = only(`Jan 12 10:00:01 host kernel: [  12.345678]  ip_rcv+0x54/0x80
[ 1529.642322][    C1]  __netif_receive_skb+0x2c/0x1c0
[  360.817327][ T8978]  process_backlog+0x206/0x750
kernel:  net_rx_action+0x4fa/0x1070
<4>[   44.1]  __do_softirq+0x266/0x95a
`);
  assert.deepEqual(names(s), ['ip_rcv', '__netif_receive_skb', 'process_backlog', 'net_rx_action', '__do_softirq']);
});

test('perf script: address, symbol+offset, ([kernel.kallsyms]) or a module path; user frames left out; samples split', () => {
  const r = parseTrace(`swapper     0 [000] 12345.678901:     250000 cpu-clock:
\tffffffff81a2b3c4 ip_rcv+0x54 ([kernel.kallsyms])
\tffffffffc0a1b2c3 vxlan_rcv+0x1d (/lib/modules/6.1.0-13-amd64/kernel/drivers/net/vxlan/vxlan.ko)
\t          8791bc net_rx_action (/lib/modules/4.3.0-rc1-virtual/build/vmlinux)
\t    7f1e22141f7d write (/lib/x86_64-linux-gnu/libc-2.15.so)

iperf 28735/28737 [003] 441995.285114: cpu-clock:
\tffffffff81a2b3c4 tcp_v4_rcv+0x54 ([kernel.kallsyms])
\tffffffff81a2b3c4 ip_local_deliver+0x54 ([kernel.kallsyms])
`);
  assert.deepEqual(r.stacks.map(names), [['ip_rcv', 'vxlan_rcv', 'net_rx_action'], ['tcp_v4_rcv', 'ip_local_deliver']]);
  assert.equal(r.stacks[0][0].offset, 0x54);
  assert.equal(r.stacks[0][0].module, undefined);
  assert.equal(r.stacks[0][1].module, 'vxlan');
});

test('bpftrace kstack: decimal offsets, one stack per map key', () => {
  const r = parseTrace(`@[
        ip_rcv+84
        __netif_receive_skb_one_core+136
]: 3
@[
        tcp_v4_rcv+12
        ip_protocol_deliver_rcu+1
]: 1
`);
  assert.deepEqual(r.stacks.map(names), [['ip_rcv', '__netif_receive_skb_one_core'], ['tcp_v4_rcv', 'ip_protocol_deliver_rcu']]);
  assert.equal(r.stacks[0][0].offset, 84);
});

test('bcc tools: bare names, address + name, name+0x.., python bytes, glued offsets; blank lines split stacks', () => {
  const r = parseTrace(`    tcp_drop
    tcp_v4_do_rcv

    ffffffff816d9f87 tcp_data_queue
    ffffffff816dd465 tcp_rcv_established+0x1

\tb'nf_hook_slow+0xb0'
\tb'ip_local_deliver+0x244'

  tcp_send_delayed_ack0x1
  tcp_rcv_established0x3b1
    1
`);
  assert.deepEqual(r.stacks.map(names), [['tcp_drop', 'tcp_v4_do_rcv'], ['tcp_data_queue', 'tcp_rcv_established'], ['nf_hook_slow', 'ip_local_deliver'], ['tcp_send_delayed_ack', 'tcp_rcv_established']]);
  assert.equal(r.stacks[3][1].offset, 0x3b1);
  assert.equal(r.skippedLines, 1);
});

test('folded stacks, ftrace => and nettrace -> arrows, perf report branches', () => {
  const folded = only('swapper/0;irq_exit;net_rx_action;ixgbe_poll;ip_rcv_[k] 543295\n');
  assert.deepEqual(names(folded), ['ip_rcv', 'ixgbe_poll', 'net_rx_action', 'irq_exit']);
  assert.deepEqual(names(only(' => tcp_v4_rcv\n => ip_local_deliver_finish\n')), ['tcp_v4_rcv', 'ip_local_deliver_finish']);
  assert.deepEqual(names(only('Call Stack:\n    -> icmp_rcv+0x1\n    -> ip_local_deliver_finish+0x7f\n')), ['icmp_rcv', 'ip_local_deliver_finish']);
  const report = parseTrace(`  - 10.37% memcpy_orig
      - 6.56% skb_store_bits
           xsk_build_skb
      - 3.81% __xsk_rcv
           __xsk_map_redirect
`);
  assert.deepEqual(report.stacks.map(names), [['memcpy_orig', 'skb_store_bits', 'xsk_build_skb'], ['memcpy_orig', '__xsk_rcv', '__xsk_map_redirect']]);
});

test('compiler suffixes are stripped for fn and kept in raw', () => {
  const s = only(' a.isra.0+0x1/0x2\n b.constprop.12+0x1/0x2\n c.cold+0x1/0x2\n d.part.3+0x1/0x2\n e.llvm.1234567890+0x1/0x2\n f.constprop.0.isra.0+0x1/0x2\n');
  assert.deepEqual(names(s), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(s.map((f) => f.raw), ['a.isra.0', 'b.constprop.12', 'c.cold', 'd.part.3', 'e.llvm.1234567890', 'f.constprop.0.isra.0']);
});

test('several reports: KASAN allocation and free stacks are separate stacks; headers and prose are skipped and counted', () => {
  const r = parseTrace(`BUG: KASAN: use-after-free in tcp_v4_rcv+0x1/0x2
Read of size 8 at addr ffff8800397d2fe0 by task syz-executor0/4289
Call Trace:
 tcp_v4_rcv+0x1/0x2
 ip_local_deliver_finish+0x1/0x2

Allocated by task 23659:
 __alloc_skb+0x13b/0x780
 tcp_v6_send_response+0x215/0x1c30
Freed by task 1:
 kfree_skb+0x1/0x2
 tcp_rcv_established+0x1/0x2
`);
  assert.deepEqual(r.stacks.map(names), [['tcp_v4_rcv', 'ip_local_deliver_finish'], ['__alloc_skb', 'tcp_v6_send_response'], ['kfree_skb', 'tcp_rcv_established']]);
  assert.equal(r.skippedLines, 5);
});

test('huge input is cut at MAX_TRACE_LINES with a note; long lines are cut', () => {
  const r = parseTrace(' ip_rcv+0x1/0x2\n'.repeat(MAX_TRACE_LINES + 10) + 'x'.repeat(100_000));
  assert.equal(r.stacks[0].length, MAX_TRACE_LINES);
  assert.match(r.notes.join(' '), /only the first 20000/);
  const long = parseTrace(' ip_rcv+0x1/0x2\n' + 'y'.repeat(50_000));
  assert.match(long.notes.join(' '), /cut/);
});

test('garbage and truncated traces never throw (fast-check)', () => {
  const real = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).map((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8'));
  fc.assert(fc.property(fc.string({ maxLength: 2000 }), (s) => {
    const r = parseTrace(s);
    assert.ok(r.skippedLines >= 0);
  }), { numRuns: 500 });
  fc.assert(fc.property(fc.constantFrom(...real), fc.nat(), fc.nat(), (text, a, b) => {
    const cut = text.slice(Math.min(a, b) % text.length, Math.max(a, b) % (text.length + 1));
    const r = parseTrace(cut);
    for (const s of r.stacks) for (const f of s) assert.ok(f.fn.length > 0);
  }), { numRuns: 300 });
  const frameish = fc.array(fc.constantFrom(' ', '?', '[<', '>]', 'ffffffff81', '+0x', '/0x', '1d', 'ip_rcv', '.isra.0', '[inline]', ' [vxlan]', '\n', ':', ';', '<IRQ>', 'RIP: ', '(', ')', "b'", "'", '=>', '%', '- '), { maxLength: 200 }).map((a) => a.join(''));
  fc.assert(fc.property(frameish, (s) => void parseTrace(s)), { numRuns: 1000 });
  for (const odd of ['', '\n\n\n', '\r\n\r\n', '(((((((((', '[<'.repeat(5000), ';'.repeat(10_000), '\u0000\uffff', ' a+0x' + '1'.repeat(5000)]) parseTrace(odd);
});

test('the Stack trace view: frames in order, inferred hops before the frame they lead to, unresolved flagged', () => {
  const uri = 'file:///k/net/core/dev.c';
  const result: MapStackTraceResult = {
    root: '/k', skippedLines: 2, notes: [], mapped: 3,
    stacks: [{
      unknown: [], mapped: 3, frames: [
        { index: 0, fn: 'net_rx_action', raw: 'net_rx_action', unreliable: false, lineNo: 5, defs: [{ file: 'net/core/dev.c', line: 6611, uri }] },
        { index: 1, fn: 'process_backlog', raw: 'process_backlog', unreliable: false, lineNo: 4, defs: [{ file: 'net/core/dev.c', line: 5900, uri }],
          link: { status: 'inferred', hops: [
            { caller: 'net_rx_action', callee: '__napi_poll', file: 'net/core/dev.c', line: 6641, uri, kind: 'direct', inferred: true },
            { caller: '__napi_poll', callee: 'process_backlog', file: 'net/core/dev.c', line: 6575, uri, kind: 'field', candidates: 30, inferred: true },
          ] } },
        { index: 2, fn: 'ip_rcv', raw: 'ip_rcv', unreliable: false, lineNo: 3, defs: [{ file: 'net/ipv4/ip_input.c', line: 560, uri }], link: { status: 'unresolved', hops: [] } },
      ],
    }],
  };
  const tree = buildTraceTree(result);
  assert.deepEqual(tree.map((n) => `${n.kind}:${n.label}`), ['frame:net_rx_action', 'inferred:__napi_poll', 'frame:process_backlog', 'unresolved:no call chain process_backlog → ip_rcv', 'frame:ip_rcv']);
  assert.deepEqual(tree[0].open, { uri, line: 6611 });
  assert.equal(tree[1].description, 'inferred · net/core/dev.c:6641');
  assert.match(traceTreeMessage(result), /3 of 3 frames mapped.*1 unresolved/);
});

test('package.json contributes the Stack trace view, its command and activation', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const views = Object.values(manifest.contributes.views as Record<string, Array<{ id: string; name: string }>>).flat();
  assert.deepEqual(views.filter((v) => v.id === STACK_TRACE_VIEW).map((v) => v.name), ['Stack trace']);
  const c = (manifest.contributes.commands as Array<{ command: string; title: string; category?: string }>).find((x) => x.command === MAP_STACK_TRACE_COMMAND);
  assert.deepEqual([c?.title, c?.category], ['Map a stack trace…', 'netpath']);
  assert.ok((manifest.activationEvents as string[]).includes(`onView:${STACK_TRACE_VIEW}`));
});
