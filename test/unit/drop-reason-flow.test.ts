// Which SKB_DROP_REASON_* values reach a free or a goto through the reason variable, on small
// hand-written C through the real parser: branches of an if/else give several, a store whose
// block jumps away reaches nothing after it, an enclosing store is the fallback, a call's
// result is named as a run-time value.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SourceParser, functionNodeAt } from '../../server/src/engine/drops/source-parser';
import { analyseFunction, type FunctionDropFacts } from '../../server/src/engine/drops/function-analysis';
import { dropKnowledge } from '../../server/src/engine/drops/knowledge';
import { baseKnowledge } from '../../server/src/engine/knowledge';
import { possibleReasons, reasonPhrase } from '../../shared/drop-reason-text';

async function analyse(src: string): Promise<FunctionDropFacts> {
  const parser = new SourceParser('/nonexistent', baseKnowledge());
  const facts = await parser.with('x.c', ({ root, text }) => analyseFunction(functionNodeAt(root, 1)!, text, dropKnowledge()), src);
  assert.ok(facts, 'parsed');
  return facts;
}

test('a reason set in both branches of an if/else: the free after them may drop with either', async () => {
  // The shape of __udp_queue_rcv_skb's enqueue failure (net/ipv4/udp.c, 6.x).
  const f = await analyse([
    'static int q(struct sock *sk, struct sk_buff *skb, int rc)',
    '{',
    '\tif (rc < 0) {',
    '\t\tint drop_reason;',
    '\t\tif (rc == -ENOMEM) {',
    '\t\t\tUDP_INC_STATS(sock_net(sk), UDP_MIB_RCVBUFERRORS, 0);',
    '\t\t\tdrop_reason = SKB_DROP_REASON_SOCKET_RCVBUFF;',
    '\t\t} else {',
    '\t\t\tdrop_reason = SKB_DROP_REASON_PROTO_MEM;',
    '\t\t}',
    '\t\tsk_skb_reason_drop(sk, skb, drop_reason);',
    '\t\treturn -1;',
    '\t}',
    '\treturn 0;',
    '}',
  ].join('\n'));
  assert.equal(f.frees.length, 1);
  assert.equal(f.frees[0].line, 11);
  assert.equal(f.frees[0].reason, null);
  assert.deepEqual(f.frees[0].reasons, { values: ['SKB_DROP_REASON_PROTO_MEM', 'SKB_DROP_REASON_SOCKET_RCVBUFF'] });
  const site = { reason: f.frees[0].reason, ...(f.frees[0].reasons ? { reasons: f.frees[0].reasons } : {}) };
  assert.deepEqual(possibleReasons(site), ['SKB_DROP_REASON_PROTO_MEM', 'SKB_DROP_REASON_SOCKET_RCVBUFF']);
  assert.equal(reasonPhrase(site, { short: true }), 'reason one of PROTO_MEM, SOCKET_RCVBUFF');
});

test('a store in a block that jumps away reaches only its own goto; later gotos see the initial value', async () => {
  // The shape of udp_queue_rcv_one_skb: XFRM_POLICY is set right before its goto, not for the later ones.
  const f = await analyse([
    'static int one(struct sock *sk, struct sk_buff *skb, int pcrlen)',
    '{',
    '\tint drop_reason = SKB_DROP_REASON_NOT_SPECIFIED;',
    '\tif (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb)) {',
    '\t\tdrop_reason = SKB_DROP_REASON_XFRM_POLICY;',
    '\t\tgoto drop;',
    '\t}',
    '\tif (pcrlen == 0)',
    '\t\tgoto drop;',
    '\treturn 0;',
    'drop:',
    '\tsk_skb_reason_drop(sk, skb, drop_reason);',
    '\treturn -1;',
    '}',
  ].join('\n'));
  assert.deepEqual(f.gotos.map((g) => [g.line, g.reason, g.reasons]), [
    [6, 'SKB_DROP_REASON_XFRM_POLICY', undefined],
    [9, 'SKB_DROP_REASON_NOT_SPECIFIED', undefined],
  ]);
});

test('a default followed by a conditional override may be either; a call result is a run-time value', async () => {
  const f = await analyse([
    'int r(struct sk_buff *skb, int x)',
    '{',
    '\tenum skb_drop_reason reason = SKB_DROP_REASON_NOT_SPECIFIED;',
    '\tif (x)',
    '\t\treason = x > 1 ? SKB_DROP_REASON_PKT_TOO_SMALL : SKB_DROP_REASON_HDR_TRUNC;',
    '\tkfree_skb_reason(skb, reason);',
    '\treason = pskb_may_pull_reason(skb, 8);',
    '\tif (x > 3)',
    '\t\treason |= 1;',
    '\tkfree_skb_reason(skb, reason);',
    '\treturn 0;',
    '}',
  ].join('\n'));
  assert.deepEqual(f.frees.map((x) => [x.line, x.reason, x.reasons]), [
    [6, null, { values: ['SKB_DROP_REASON_HDR_TRUNC', 'SKB_DROP_REASON_NOT_SPECIFIED', 'SKB_DROP_REASON_PKT_TOO_SMALL'] }],
    // The enclosing store is a call: no constant is known, so no reason is claimed.
    [10, null, undefined],
  ]);
  assert.equal(reasonPhrase({ reason: null }), 'no drop reason');
  assert.equal(reasonPhrase({ reason: null, reasons: { values: ['SKB_DROP_REASON_HDR_TRUNC'], computed: ['pskb_may_pull_reason'] } }, { short: true }),
    'reason HDR_TRUNC (or what pskb_may_pull_reason() returns)');
});
