// bpftrace scripts where kprobes cannot attach (CONFIG_KPROBE_EVENTS off, as on this project's
// test machine). Scripts are often generated on one machine and run on another: without a named
// host the script is written for a generic target, and what this machine lacks is said in its
// header (`here`); a named host that lacks kprobes refuses what needs them, naming the reason and
// the kfree_skb tracepoint that stands in. The facts are the ones localTraceFacts and the host
// facts give on such a machine; the kernel tests run the same through the real CLI.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dropsBpftrace, functionBpftrace, GENERIC_TARGET, pathBpftrace } from '../../server/src/engine/probes/bpftrace-modes';
import type { TraceFacts } from '../../server/src/engine/probes/host-facts';
import { ProbeError, type DropSiteInput, type ProbeFunction } from '../../server/src/engine/probes/types';

const fn = (name: string, file: string, extra: Partial<ProbeFunction> = {}): ProbeFunction => ({
  name, file, line: 10, endLine: 40, isStatic: false, isInline: false, isVoid: false, ...extra,
});
const IP_RCV = fn('ip_rcv', 'net/ipv4/ip_input.c');
const UDP = fn('__udp_queue_rcv_skb', 'net/ipv4/udp.c', { isStatic: true });
const SITES: DropSiteInput[] = [
  { function: '__udp_queue_rcv_skb', file: 'net/ipv4/udp.c', line: 20, kind: 'free', via: 'sk_skb_reason_drop', reason: null },
  { function: '__udp_queue_rcv_skb', file: 'net/ipv4/udp.c', line: 15, kind: 'counter', via: 'UDP_INC_STATS', counters: ['RcvbufErrors'] },
];
const REASONS = { names: ['NOT_DROPPED_YET', 'NOT_SPECIFIED', 'NO_SOCKET', 'SOCKET_RCVBUFF'], file: 'include/net/dropreason-core.h' };
/** This machine as localTraceFacts reads it: tracefs with kfree_skb, no kprobe_events. */
const HERE: TraceFacts = { kprobes: false, kfreeSkb: true, reasons: new Map([[3, 'SOCKET_RCVBUFF']]), source: "this machine's tracefs (/sys/kernel/tracing)" };
/** Host local as its collected facts say it (--host local). */
const HOST: TraceFacts = { kprobes: false, kfreeSkb: true, source: "host local's tracefs (/sys/kernel/tracing)" };
const comments = (text: string) => text.split('\n').filter((l) => l.startsWith('//')).join('\n');

test('no host named: the function script is for a generic target, and its header says this machine has no kprobe_events', () => {
  const p = functionBpftrace({ version: '6.12.117', host: GENERIC_TARGET, here: HERE }, IP_RCV);
  assert.deepEqual(p.points, ['kprobe:ip_rcv', 'kretprobe:ip_rcv'], 'nothing left out for what this machine lacks');
  const head = comments(p.text);
  assert.match(head, /Not known whether the target can attach kprobes \(a generic target: no --host, so not checked\)/);
  assert.match(head, /This machine cannot run it as it is: this machine's tracefs \(\/sys\/kernel\/tracing\) has no kprobe_events, so its 2 kprobes cannot attach here \(CONFIG_KPROBE_EVENTS\)/);
  assert.match(head, /`netpath drops --live --host local` counts every drop \(skb:kfree_skb\) at its source line/);
  assert.doesNotMatch(head, /--drops --format bpftrace/, 'no --drops offer: not known to have drop sites');
  const withSites = comments(functionBpftrace({ host: GENERIC_TARGET, here: HERE, hasDropSites: true }, UDP).text);
  assert.match(withSites, /`netpath probe __udp_queue_rcv_skb --drops --format bpftrace --host local` counts __udp_queue_rcv_skb's drops through tracepoint:skb:kfree_skb/);
  // A machine with kprobes, or a script with none: nothing to say about here.
  assert.doesNotMatch(comments(functionBpftrace({ host: GENERIC_TARGET, here: { ...HERE, kprobes: true } }, IP_RCV).text), /This machine/);
  // Tracefs unreadable (a fresh boot leaves it unmounted): said, not guessed.
  assert.match(comments(functionBpftrace({ host: GENERIC_TARGET, here: { source: 'this machine (tracefs not mounted or not readable)' } }, IP_RCV).text),
    /Whether this machine can run it was not checked: this machine \(tracefs not mounted or not readable\)\./);
});

test('a named host without kprobes: function and path scripts are refused with the reason and the tracepoint that stands in', () => {
  assert.throws(() => functionBpftrace({ host: HOST }, IP_RCV), (e: unknown) => e instanceof ProbeError
    && e.message === "no bpftrace probe for ip_rcv: ip_rcv: left out: host local's tracefs (/sys/kernel/tracing) has no kprobe_events, so kprobes cannot be attached there (CONFIG_KPROBE_EVENTS). There tracepoints need no kprobes: `netpath drops --live` (with the same --host) counts every drop (skb:kfree_skb) at its source line.");
  assert.throws(() => functionBpftrace({ host: HOST, hasDropSites: true }, UDP), /`netpath probe __udp_queue_rcv_skb --drops --format bpftrace` \(with the same --host\) counts __udp_queue_rcv_skb's drops/);
  // `here` never decides: a named host's facts do, and this machine's are not in its header.
  assert.throws(() => functionBpftrace({ host: HOST, here: { ...HERE, kprobes: true } }, IP_RCV), /has no kprobe_events/);
  const hop = { caller: 'ip_rcv', callee: '__udp_queue_rcv_skb', file: 'net/ipv4/ip_input.c', line: 12, kind: 'direct' };
  assert.throws(() => pathBpftrace({ host: HOST }, IP_RCV, [{ hop, callee: UDP }]), (e: unknown) => e instanceof ProbeError
    && /^no bpftrace probe on the path from ip_rcv:\n {2}0\. ip_rcv: ip_rcv: left out: host local's tracefs/.test(e.message) && /\nThere tracepoints need no kprobes: `netpath drops --live` \(with the same --host\)/.test(e.message));
  // No kfree_skb either: nothing stands in, so nothing is offered.
  assert.throws(() => functionBpftrace({ host: { ...HOST, kfreeSkb: false } }, IP_RCV), (e: unknown) => e instanceof ProbeError && !/tracepoints need no kprobes/.test(e.message));
  // The same path for a generic target is written, the lack said in the header.
  const p = pathBpftrace({ host: GENERIC_TARGET, here: HERE }, IP_RCV, [{ hop, callee: UDP }]);
  assert.deepEqual(p.points, ['kprobe:ip_rcv', 'kprobe:__udp_queue_rcv_skb']);
  assert.match(comments(p.text), /its 2 kprobes cannot attach here/);
});

test('drops: a named host without kprobes keeps the kfree_skb tracepoint as the stand-in; a generic target keeps the kprobes and offers it', () => {
  const fitted = dropsBpftrace({ host: HOST }, UDP, SITES, REASONS);
  assert.deepEqual(fitted.points, ['tracepoint:skb:kfree_skb']);
  assert.match(comments(fitted.text), /\n\/\/ Left out:\n\/\/ {3}__udp_queue_rcv_skb: left out: host local's tracefs \(\/sys\/kernel\/tracing\) has no kprobe_events/);
  assert.match(comments(fitted.text), /tracepoint:skb:kfree_skb needs no kprobes: it stands in for them, telling the drops apart by reason and location\./);
  const generic = dropsBpftrace({ host: GENERIC_TARGET, here: HERE }, UDP, SITES, REASONS);
  assert.deepEqual(generic.points, ['kprobe:__udp_queue_rcv_skb', 'tracepoint:skb:kfree_skb']);
  const head = comments(generic.text);
  assert.match(head, /its 1 kprobe cannot attach here/);
  assert.match(head, /Here the kfree_skb tracepoint stands in: generated for this machine \(--host local; in VS Code, "Probe for host…" then local\) the script keeps only tracepoint:skb:kfree_skb/);
  // A generic target's reason names are the indexed tree's, not this machine's (another kernel's numbering).
  assert.match(head, /Drop-reason names from the indexed tree \(include\/net\/dropreason-core\.h\)/);
  assert.match(generic.text, /@reason_name\[3\] = "SOCKET_RCVBUFF";/);
  assert.match(comments(dropsBpftrace({ host: GENERIC_TARGET, here: { ...HERE, kfreeSkb: false } }, UDP, SITES, REASONS).text), /This machine has no skb:kfree_skb event/);
});
