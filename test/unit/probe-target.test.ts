// Fitting probed functions to a target's facts (target.ts) and what the modes then write: a
// function absent from kallsyms while its file's other functions are there is inlined (stap
// `.inline`, bpftrace its callers' entries); clones go by their real names; module or kernel from
// kallsyms brackets, modules.builtin, loaded modules or the config; and another kernel than the
// tree's only adds alternatives, with a warning in the header.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseKallsyms } from '../../server/src/engine/probes/kallsyms';
import { fitFunction, fitNotes, sameKernel, targetFromKallsyms, targetLines, type TargetFacts } from '../../server/src/engine/probes/target';
import { functionPoints } from '../../server/src/engine/probes/points';
import { functionProbe } from '../../server/src/engine/probes/modes';
import { functionBpftrace } from '../../server/src/engine/probes/bpftrace-modes';
import type { ProbeFunction } from '../../server/src/engine/probes/types';

const KALLSYMS = [
  'ffffffff81b2bae0 t ip_rcv_core',
  'ffffffff81b2b570 t ip_rcv_finish_core.constprop.0',
  'ffffffff81b2c000 T ip_rcv',
  'ffffffff81b2c100 T ip_local_deliver',
  'ffffffffc0a01000 t tap_handle_frame\t[tap]',
  'ffffffffc0a02000 t tap_open\t[tap]',
].join('\n');

const fn = (name: string, file: string, extra: Partial<ProbeFunction> = {}): ProbeFunction => ({
  name, file, line: 10, endLine: 20, isStatic: true, isInline: false, isVoid: false, ...extra,
});
const IP_INPUT = ['ip_rcv_core', 'ip_rcv_finish_core', 'ip_rcv', 'ip_local_deliver', 'ip_rcv_finish'];
const target: TargetFacts = targetFromKallsyms(parseKallsyms(KALLSYMS), 'kallsyms.txt');

test('absent from kallsyms while its file is there: inlined, probed with .inline and no return (stap)', () => {
  const f = fitFunction(target, fn('ip_rcv_finish', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117');
  assert.equal(f.host?.inlinedAway, true);
  assert.deepEqual(functionPoints(f, 'entry'), ['kernel.function("ip_rcv_finish@net/ipv4/ip_input.c").inline']);
  assert.equal(functionPoints(f, 'return'), undefined);
  const p = functionProbe({ version: '6.12.117', check: (fns) => fitNotes(target, fns) }, f);
  assert.match(p.text, /\n# The target has no symbol for it \(GCC inlined it into its callers\): probed with \.inline where it was inlined, and no return probe\.\n/);
  assert.match(p.text, /\n# {3}ip_rcv_finish: absent from the target's kallsyms while ip_rcv_core, ip_rcv_finish_core and others of net\/ipv4\/ip_input\.c are there: GCC inlined it into its callers\n/);
  assert.equal(p.title, 'entry of ip_rcv_finish');
});

test('absent and inlined: bpftrace counts its callers\' entries instead, by their real names', () => {
  const f = fitFunction(target, fn('ip_rcv_finish', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117');
  const callers = [fitFunction(target, fn('ip_rcv', 'net/ipv4/ip_input.c', { isStatic: false }), IP_INPUT, '6.12.117'), fitFunction(target, fn('ip_rcv_finish_core', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117')];
  const p = functionBpftrace({ version: '6.12.117', host: { kprobes: true, source: 't' }, callers }, f);
  assert.deepEqual(p.points, ['kprobe:ip_rcv', 'kprobe:ip_rcv_finish_core.constprop.0']);
  assert.equal(p.title, 'callers of ip_rcv_finish, inlined on the target');
  assert.match(p.text, /counted at its callers' entries/);
  assert.throws(() => functionBpftrace({ version: '6.12.117', host: { kprobes: true, source: 't' } }, f), /the call graph knows no caller; use --format stap/);
});

test('clones only: probed by their real names (stap without @file, which only that form resolves; bpftrace kprobes)', () => {
  const f = fitFunction(target, fn('ip_rcv_finish_core', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117');
  assert.deepEqual(f.host?.stapNames, ['ip_rcv_finish_core.constprop.0']);
  assert.deepEqual(functionPoints(f, 'entry'), ['kernel.function("ip_rcv_finish_core.constprop.0")']);
  assert.deepEqual(functionBpftrace({ host: { kprobes: true, source: 't' } }, f).points, ['kprobe:ip_rcv_finish_core.constprop.0', 'kretprobe:ip_rcv_finish_core.constprop.0']);
  // Present by its own name: no clone wildcards any more, the plain name only.
  const core = fitFunction(target, fn('ip_rcv_core', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117');
  assert.deepEqual(functionPoints(core, 'entry'), ['kernel.function("ip_rcv_core@net/ipv4/ip_input.c")']);
});

test('placement: kallsyms brackets, modules.builtin, loaded modules and the config decide module or kernel', () => {
  const tap = fn('tap_handle_frame', 'drivers/net/tap.c', { isStatic: false, object: { module: 'tap', kind: 'either', config: 'CONFIG_TAP', makefile: 'drivers/net/Makefile' } });
  assert.deepEqual(functionPoints(tap, 'entry'), ['module("tap").function("tap_handle_frame@drivers/net/tap.c").call?', 'kernel.function("tap_handle_frame@drivers/net/tap.c").call?']);
  assert.deepEqual(functionPoints(fitFunction(target, tap, ['tap_handle_frame', 'tap_open'], '6.12.117'), 'entry'), ['module("tap").function("tap_handle_frame@drivers/net/tap.c").call']);
  const noSymbols: TargetFacts = { source: 'host h', release: '6.12.117+deb12-amd64', builtin: new Set(['tap']) };
  assert.deepEqual(functionPoints(fitFunction(noSymbols, tap, [], '6.12.117'), 'entry'), ['kernel.function("tap_handle_frame@drivers/net/tap.c").call']);
  const loaded: TargetFacts = { source: 'host h', release: '6.12.117', loaded: new Set(['tap']) };
  assert.deepEqual(functionPoints(fitFunction(loaded, tap, [], '6.12.117'), 'entry'), ['module("tap").function("tap_handle_frame@drivers/net/tap.c").call']);
  const config: TargetFacts = { source: 'host h', release: '6.12.117', config: new Map([['CONFIG_TAP', 'y']]) };
  const fitted = fitFunction(config, tap, [], '6.12.117');
  assert.deepEqual(functionPoints(fitted, 'entry'), ['kernel.function("tap_handle_frame@drivers/net/tap.c").call']);
  assert.deepEqual(fitNotes(config, [fitted]), ['Checked against host h\'s facts:', '  tap_handle_frame: kernel: CONFIG_TAP=y in host h\'s config']);
  // A static function of the same name in another module says nothing about this one's.
  const elsewhere: TargetFacts = { source: 'host h', release: '6.12.117', kallsyms: parseKallsyms('0 t tap_handle_frame\t[other]\n'), config: new Map([['CONFIG_TAP', 'm']]) };
  assert.deepEqual(functionPoints(fitFunction(elsewhere, tap, [], '6.12.117'), 'entry'), ['module("tap").function("tap_handle_frame@drivers/net/tap.c").call']);
  // A module the target has not loaded is not "inlined": the note says to load it.
  const unloaded: TargetFacts = { source: 'host h', kallsyms: parseKallsyms('0 T ip_rcv\n'), loaded: new Set(['nf_conntrack']) };
  const ixgbe = fitFunction(unloaded, fn('ixgbe_poll', 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c', { object: { module: 'ixgbe', kind: 'either', config: 'CONFIG_IXGBE', makefile: 'm' } }), ['ixgbe_poll', 'ixgbe_probe'], '6.12.117');
  assert.equal(ixgbe.host?.inlinedAway, undefined);
  assert.match(ixgbe.host!.note!, /module ixgbe is not loaded on the target .*modprobe ixgbe/);
});

test('another kernel than the tree\'s: facts are hints, the tree\'s alternatives stay, the header warns', () => {
  const other: TargetFacts = { ...target, source: 'host h', release: '6.18.44-fc-v595' };
  assert.equal(sameKernel('6.12.117', '6.12.117+deb12-amd64'), true);
  assert.equal(sameKernel('6.12.117', '6.18.44-fc-v595'), false);
  assert.equal(sameKernel('6.18', '6.18.0-1-amd64'), true);
  const tap = fn('tap_handle_frame', 'drivers/net/tap.c', { isStatic: false, object: { module: 'tap', kind: 'module', makefile: 'drivers/net/Makefile' } });
  const builtinThere: TargetFacts = { ...other, kallsyms: parseKallsyms('0 T tap_handle_frame\n') };
  assert.deepEqual(functionPoints(fitFunction(builtinThere, tap, [], '6.12.117'), 'entry'), ['module("tap").function("tap_handle_frame@drivers/net/tap.c").call?', 'kernel.function("tap_handle_frame@drivers/net/tap.c").call?']);
  // Inlined there: the plain form, which matches inlined copies and an out-of-line one alike.
  const inl = fitFunction(other, fn('ip_rcv_finish', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117');
  assert.deepEqual(functionPoints(inl, 'entry'), ['kernel.function("ip_rcv_finish@net/ipv4/ip_input.c")']);
  // A clone there is not assumed here: the tree's own clone wildcards stay.
  assert.equal(functionPoints(fitFunction(other, fn('ip_rcv_finish_core', 'net/ipv4/ip_input.c'), IP_INPUT, '6.12.117'), 'entry')!.length, 3);
  assert.match(targetLines(other, '6.12.117').join('\n'), /^Fitted to host h \(uname -r 6\.18\.44-fc-v595\)\.\nWARNING: the target runs 6\.18\.44-fc-v595, but the indexed tree is Linux 6\.12\.117/);
  assert.deepEqual(targetLines({ source: 'k' }, '6.12.117'), ['Fitted to k.']);
});
