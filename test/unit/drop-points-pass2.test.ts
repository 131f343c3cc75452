// Where drop sites' probe points go when the build may lack what the source has: a DWARF label
// GCC dropped (6.12.117's ip_rcv_core has no `inhdr_error`), a reason variable the DWARF cannot
// read at every address (__udp4_lib_rcv's $drop_reason), a call line merged away (macvlan.c's
// `kfree_skb(skb);`). The real build's pass 2 on these is checked in probes-pass2.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { placeDropSites } from '../../server/src/engine/probes/drop-points';
import { labelPoints, statementPoints } from '../../server/src/engine/probes/points';
import type { LineTable } from '../../server/src/engine/probes/line-table';
import type { DropSiteInput, ProbeFunction } from '../../server/src/engine/probes/types';

const core: ProbeFunction = { name: 'ip_rcv_core', file: 'net/ipv4/ip_input.c', line: 456, endLine: 555, isStatic: true, isInline: false, isVoid: false, object: { kind: 'builtin', module: 'vmlinux', makefile: 'net/ipv4/Makefile' } };
const tap: ProbeFunction = { name: 'tap_handle_frame', file: 'drivers/net/tap.c', line: 320, endLine: 400, isStatic: false, isInline: false, isVoid: false, object: { kind: 'either', module: 'tap', makefile: 'drivers/net/Makefile' } };
const reasons = { names: ['NOT_DROPPED_YET', 'CONSUMED', 'NOT_SPECIFIED', 'NO_SOCKET', 'PKT_TOO_SMALL', 'TCP_CSUM', 'SOCKET_FILTER', 'UDP_CSUM', 'NETFILTER_DROP', 'OTHERHOST', 'IP_CSUM', 'IP_INHDR'], file: 'include/net/dropreason-core.h' };
const goto = (line: number, reason: string): DropSiteInput => ({ function: 'ip_rcv_core', file: core.file, line, kind: 'goto', label: 'inhdr_error', labelLine: 547, labelBodyLine: 548, reason, reasonVariable: 'drop_reason' });

test('a label point is optional and sufficient, with the lines from the label to its statement after it', () => {
  assert.deepEqual(labelPoints(core, 'inhdr_error', { line: 547, bodyLine: 548 }), [
    'kernel.function("ip_rcv_core@net/ipv4/ip_input.c").label("inhdr_error")!',
    'kernel.statement("ip_rcv_core@net/ipv4/ip_input.c:547-548")',
  ]);
  // Two objects: each one's label, then its statement; only the last statement is left optional.
  assert.deepEqual(labelPoints(tap, 'drop', { line: 394, bodyLine: 394 }), [
    'module("tap").function("tap_handle_frame@drivers/net/tap.c").label("drop")!',
    'module("tap").statement("tap_handle_frame@drivers/net/tap.c:394")!',
    'kernel.function("tap_handle_frame@drivers/net/tap.c").label("drop")!',
    'kernel.statement("tap_handle_frame@drivers/net/tap.c:394")?',
  ]);
  // Where the label's line is not known, the label alone, as before.
  assert.deepEqual(labelPoints(core, 'inhdr_error'), ['kernel.function("ip_rcv_core@net/ipv4/ip_input.c").label("inhdr_error")']);
});

test('a statement line no line table checked is a one-line range, optional', () => {
  assert.deepEqual(statementPoints(core, 502, { unchecked: true }), ['kernel.statement("ip_rcv_core@net/ipv4/ip_input.c:502-502")?']);
  assert.deepEqual(statementPoints(core, 502), ['kernel.statement("ip_rcv_core@net/ipv4/ip_input.c:502")']);
});

test('sites told apart by the reason variable test it under @defined; the header shows the plain test', () => {
  const p = placeDropSites(core, [goto(481, 'SKB_DROP_REASON_IP_INHDR'), goto(497, 'SKB_DROP_REASON_IP_INHDR')], reasons, undefined);
  const grouped = p.sites.find((s) => s.when);
  assert.ok(grouped, JSON.stringify(p.sites));
  assert.equal(grouped.when, '@defined($drop_reason) && $drop_reason == 11');
  assert.deepEqual(grouped.points, labelPoints(core, 'inhdr_error', { line: 547, bodyLine: 548 }));
  // The every-arrival site shares the same points, so both count in one probe.
  const arrivals = p.sites.find((s) => s.label.startsWith('label inhdr_error'));
  assert.deepEqual(arrivals?.points, grouped.points);
  assert.match(p.methods.join('\n'), /label inhdr_error where \$drop_reason == 11 \(IP_INHDR\)/);
});

test('with the line table: the label stand-in is the first recorded line from the label on, or none', () => {
  const table = (lines: number[]): LineTable => ({ object: 'vmlinux', lines: new Set(lines) });
  const withRecord = placeDropSites(core, [goto(481, 'SKB_DROP_REASON_IP_INHDR')], reasons, table([548, 550]));
  assert.ok(withRecord.sites.some((s) => s.points.includes('kernel.statement("ip_rcv_core@net/ipv4/ip_input.c:548")')), JSON.stringify(withRecord.sites));
  const none = placeDropSites(core, [goto(481, 'SKB_DROP_REASON_IP_INHDR')], reasons, table([550]));
  assert.ok(none.sites.every((s) => !s.points.some((x) => x.includes('.statement('))), JSON.stringify(none.sites));
});

test('a free call without a line table is probed as an optional one-line range', () => {
  const free: DropSiteInput = { function: 'ip_rcv_core', file: core.file, line: 502, kind: 'free', via: 'kfree_skb', reason: null };
  const p = placeDropSites(core, [free], reasons, undefined);
  assert.deepEqual(p.sites[0].points, ['kernel.statement("ip_rcv_core@net/ipv4/ip_input.c:502-502")?']);
  assert.match(p.methods[0], /optional, so a build that merged the line away leaves it uncounted/);
});
