// Extraction on small hand-written C, through the real parser and queries.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadCParser } from '../../server/src/engine/parser';
import { baseKnowledge } from '../../server/src/engine/knowledge';
import { indexText, makeFileIndexContext, type FileIndexContext } from '../../server/src/engine/file-indexer';
import { forUse, SymbolTable } from '../../server/src/engine/symbols';
import type { FileFacts } from '../../server/src/engine/types';
import { FN_INLINE, FN_STATIC } from '../../server/src/engine/types';

let ctx: FileIndexContext;
async function facts(src: string): Promise<FileFacts> {
  ctx ??= makeFileIndexContext(await loadCParser(), baseKnowledge());
  const r = indexText(ctx, src, 'x.c', 0, src.length);
  assert.ok(r.ok, r.ok ? '' : r.skip.reason);
  return r.facts;
}

test('__init functions keep their name, flags and annotation', async () => {
  const f = await facts('static int __init inet_init(void)\n{\n\treturn 0;\n}\n');
  assert.equal(f.functions.length, 1);
  const fn = f.functions[0];
  assert.equal(fn.name, 'inet_init');
  assert.equal(fn.line, 1);
  assert.equal(fn.col, 18);
  assert.equal(fn.flags & FN_STATIC, FN_STATIC);
  assert.deepEqual(fn.annotations, ['__init']);
  assert.equal(fn.signature, 'static int __init inet_init(void)');
});

test('__printf(a,b) and __alloc_size(...) do not confuse the declarator', async () => {
  const f = await facts([
    '__printf(2, 3) void netdev_printk(const char *level, const char *fmt, ...)',
    '{', '}',
    'static inline __alloc_size(1) void *kmalloc_thing(size_t size)',
    '{', '\treturn NULL;', '}', '',
  ].join('\n'));
  assert.deepEqual(f.functions.map((x) => x.name), ['netdev_printk', 'kmalloc_thing']);
  assert.equal(f.functions[1].flags & FN_INLINE, FN_INLINE);
  assert.equal(f.functions[1].line, 4);
});

test('preprocessor-split if/else yields no function named if', async () => {
  const f = await facts([
    'int f(int a)', '{',
    '#if defined(CONFIG_X)', '\tif (a) {', '#else', '\tif (!a) {', '#endif', '\t\treturn 1;', '\t}', '\treturn 0;', '}', '',
  ].join('\n'));
  assert.ok(f.functions.every((x) => /^[A-Za-z_]\w*$/.test(x.name) && x.name !== 'if'), JSON.stringify(f.functions.map((x) => x.name)));
  assert.ok(f.functions.some((x) => x.name === 'f'));
});

test('calls: direct, through a field with receiver, through a local loaded from a field', async () => {
  const f = await facts([
    'static int rx(struct sk_buff *skb)',
    '{',
    '\trx_handler_func_t *rx_handler;',
    '\tstruct tap_dev *tap = get(skb);',
    '\trx_handler = rcu_dereference(skb->dev->rx_handler);',
    '\trx_handler(&skb);',
    '\ttap->count_rx_dropped(tap);',
    '\tq.ops.f(1, 2, 3);',
    '\t(*okfn)(skb);',
    '\treturn 0;',
    '}', '',
  ].join('\n'));
  const byName = Object.fromEntries(f.calls.map((c) => [c.name, c]));
  assert.equal(byName.get.kind, 'direct');
  assert.equal(byName.get.line, 4);
  assert.equal(byName.rx_handler.kind, 'variable');
  assert.equal(byName.rx_handler.loadedFrom, 'skb->dev->rx_handler');
  assert.equal(byName.rx_handler.loadedField, 'rx_handler');
  assert.equal(byName.count_rx_dropped.kind, 'field');
  assert.equal(byName.count_rx_dropped.receiver, 'tap');
  assert.equal(byName.count_rx_dropped.op, '->');
  assert.equal(byName.count_rx_dropped.args, 1);
  assert.equal(byName.f.receiver, 'q.ops');
  assert.equal(byName.f.op, '.');
  assert.equal(byName.f.args, 3);
  assert.equal(byName.okfn.kind, 'direct'); // `(*okfn)(skb)` with okfn not local: a direct name
  assert.ok(f.calls.every((c) => c.fn === 0));
});

test('parameters and struct-typed locals are recorded; stores through rcu_assign_pointer and parameter passing are marked', async () => {
  const f = await facts([
    'int netdev_rx_handler_register(struct net_device *dev, rx_handler_func_t *rx_handler, void *rx_handler_data)',
    '{',
    '\trcu_assign_pointer(dev->rx_handler, rx_handler);',
    '\treturn 0;',
    '}',
    'static inline void netif_napi_add(struct net_device *dev, struct napi_struct *napi, int (*poll)(struct napi_struct *, int))',
    '{',
    '\tstruct packet_type *pt_prev = NULL;',
    '\tnetif_napi_add_weight(dev, napi, poll, 64);',
    '}',
    'void f(void) { }',
    'int g(int, char *) { return 0; }', '',
  ].join('\n'));
  assert.deepEqual(f.functions.map((x) => [x.name, x.params]), [
    ['netdev_rx_handler_register', ['dev', 'rx_handler', 'rx_handler_data']], ['netif_napi_add', ['dev', 'napi', 'poll']], ['f', ['']], ['g', ['', '']]]);
  assert.deepEqual(f.functions[0].vars, { dev: 'net_device' });
  assert.deepEqual(f.functions[1].vars, { dev: 'net_device', napi: 'napi_struct', pt_prev: 'packet_type' });
  const store = f.addressTaken.find((a) => a.name === 'rx_handler')!;
  assert.deepEqual([store.ctx, store.field, store.target, store.param, store.fn], ['assign', 'rx_handler', 'dev', 1, 0]);
  const pass = f.addressTaken.find((a) => a.name === 'poll')!;
  assert.deepEqual([pass.ctx, pass.callee, pass.argPos, pass.param], ['arg', 'netif_napi_add_weight', 2, 1]);
  assert.ok(!f.addressTaken.some((a) => a.name === 'dev' || a.name === 'napi'), 'parameters passed on are kept only when they may be callbacks');
});

test('#define names come from a line scan, with exact positions', async () => {
  const f = await facts('#define A 1\n  #  define  NF_HOOK_X(x) (x)\nint y;\n');
  assert.deepEqual(f.defs.filter((d) => d.kind === 'macro').map((d) => [d.name, d.line, d.col]), [['A', 1, 8], ['NF_HOOK_X', 2, 13]]);
});

test('gotos and labels are attributed to their function', async () => {
  const f = await facts('int g(void)\n{\n\tif (x)\n\t\tgoto drop;\n\treturn 0;\ndrop:\n\tkfree_skb(skb);\n\treturn 1;\n}\n');
  assert.deepEqual(f.gotos.map((g) => [g.label, g.line, g.fn]), [['drop', 4, 0]]);
  assert.deepEqual(f.labels.map((l) => [l.label, l.line, l.fn]), [['drop', 6, 0]]);
});

test('address-taken functions: designated initializer with struct type, assignment, call argument', async () => {
  const f = await facts([
    'static const struct net_protocol udp_protocol = {',
    '\t.handler = udp_rcv,',
    '\t.err_handler = &udp_err,',
    '\t.no_policy = 1,',
    '};',
    'static int setup(struct macvlan_dev *vlan, struct net_device *dev)',
    '{',
    '\tvlantap->tap.count_rx_dropped = macvtap_count_rx_dropped;',
    '\treturn netdev_rx_handler_register(dev, tap_handle_frame, vlan);',
    '}', '',
  ].join('\n'));
  const a = Object.fromEntries(f.addressTaken.map((x) => [x.name, x]));
  assert.deepEqual([a.udp_rcv.ctx, a.udp_rcv.field, a.udp_rcv.struct, a.udp_rcv.target, a.udp_rcv.fn], ['init', 'handler', 'net_protocol', 'udp_protocol', -1]);
  assert.equal(a.udp_err.field, 'err_handler');
  assert.deepEqual([a.macvtap_count_rx_dropped.ctx, a.macvtap_count_rx_dropped.field, a.macvtap_count_rx_dropped.target], ['assign', 'count_rx_dropped', 'vlantap->tap']);
  assert.deepEqual([a.tap_handle_frame.ctx, a.tap_handle_frame.callee, a.tap_handle_frame.argPos, a.tap_handle_frame.line], ['arg', 'netdev_rx_handler_register', 1, 9]);
  assert.equal(a.vlan, undefined, 'a parameter is not a function');
  assert.equal(a.dev, undefined);
});

test('dispatch macros keep their arguments; SNMP tables, enums with comments and struct fields', async () => {
  const f = await facts([
    'static const struct snmp_mib snmp4_udp_list[] = {',
    '\tSNMP_MIB_ITEM("InDatagrams", UDP_MIB_INDATAGRAMS),',
    '\tSNMP_MIB_ITEM("RcvbufErrors", UDP_MIB_RCVBUFERRORS),',
    '\tSNMP_MIB_SENTINEL',
    '};',
    'enum skb_drop_reason {',
    '\t/** @SKB_DROP_REASON_NOT_SPECIFIED: drop reason is not specified */',
    '\tSKB_DROP_REASON_NOT_SPECIFIED,',
    '\tSKB_DROP_REASON_NO_SOCKET,',
    '};',
    'struct packet_type {',
    '\t__be16 type;',
    '\tstruct net_device *dev;',
    '\tint (*func)(struct sk_buff *, struct net_device *);',
    '};',
    'int deliver(struct sk_buff *skb)',
    '{',
    '\treturn INDIRECT_CALL_2(ipprot->handler, tcp_v4_rcv, udp_rcv, skb);',
    '}', '',
  ].join('\n'));
  assert.deepEqual(f.mibItems.map((m) => [m.table, m.name, m.mib, m.line]), [
    ['snmp4_udp_list', 'InDatagrams', 'UDP_MIB_INDATAGRAMS', 2], ['snmp4_udp_list', 'RcvbufErrors', 'UDP_MIB_RCVBUFERRORS', 3]]);
  const e = f.enums.find((x) => x.name === 'skb_drop_reason')!;
  assert.equal(e.items[0].name, 'SKB_DROP_REASON_NOT_SPECIFIED');
  assert.match(e.items[0].comment ?? '', /drop reason is not specified/);
  assert.equal(e.items[1].comment, undefined);
  const s = f.structs.find((x) => x.name === 'packet_type')!;
  // Scalar fields are not recorded: only struct-typed and function-pointer fields resolve calls.
  assert.deepEqual(s.fields.map((x) => [x.name, x.type, x.fnPtr]), [['dev', 'struct net_device *', false], ['func', 'int', true]]);
  assert.deepEqual(f.macroCalls.map((m) => [m.macro, m.args, m.fn]), [['INDIRECT_CALL_2', ['ipprot->handler', 'tcp_v4_rcv', 'udp_rcv', 'skb'], 0]]);
  assert.ok(!f.calls.some((c) => c.name === 'INDIRECT_CALL_2'), 'a dispatch macro is not recorded as a direct call');
});

test('for_each loop heads parse as loops, so the body keeps its calls and the function survives', async () => {
  const f = await facts([
    'void walk(struct list_head *h)', '{', '\tstruct foo *p;',
    '\tlist_for_each_entry(p, h, list) {', '\t\tconsume(p);', '\t}', '}',
    'int after(void)', '{', '\treturn 2;', '}', '',
  ].join('\n'));
  assert.deepEqual(f.functions.map((x) => x.name), ['walk', 'after']);
  assert.ok(f.calls.some((c) => c.name === 'consume' && c.line === 5 && c.fn === 0));
  assert.equal(f.parseErrors, 0);
});

test('enumerators of named and anonymous enums are definitions of their own; a use picks the kind it asks for', async () => {
  const f = await facts([
    'enum skb_drop_reason {',
    '\tSKB_NOT_DROPPED_YET = 0,',
    '\tSKB_DROP_REASON_SOCKET_RCVBUFF,',
    '};',
    'enum {',
    '\tUDP_MIB_NUM = 0,',
    '\tUDP_MIB_RCVBUFERRORS,\t\t/* RcvbufErrors */',
    '};',
    'struct udp_table { int mask; };',
    'struct udp_table udp_table;',
  ].join('\n'));
  const defs = f.defs.map((d) => [d.name, d.kind, d.line, d.col]);
  assert.deepEqual(defs.filter((d) => d[1] === 'enumerator'), [
    ['SKB_NOT_DROPPED_YET', 'enumerator', 2, 1],
    ['SKB_DROP_REASON_SOCKET_RCVBUFF', 'enumerator', 3, 1],
    ['UDP_MIB_NUM', 'enumerator', 6, 1],
    ['UDP_MIB_RCVBUFERRORS', 'enumerator', 7, 1],
  ]);
  const table = new SymbolTable(new Map([['x.c', f]]));
  const both = table.definitions('udp_table');
  assert.deepEqual(forUse(both, false).map((d) => d.kind), ['variable', 'struct'], '&udp_table is the variable');
  assert.deepEqual(forUse(both, true).map((d) => d.kind), ['struct', 'variable'], 'struct udp_table is the type');
  assert.deepEqual(table.definitions('UDP_MIB_RCVBUFERRORS').map((d) => [d.kind, d.line]), [['enumerator', 7]]);
});
