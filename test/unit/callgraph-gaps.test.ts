// The resolution gaps real stack traces exposed, each on small hand-written C shaped like the
// kernel code it stands for, through the real parser, index and call graph. The same edges are
// checked on the Debian trees in test/kernel/callgraph-gaps.test.ts.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';

const FILES: Record<string, string> = {
  'include/linux/netdevice.h': `
struct sk_buff;
typedef int rx_handler_result_t;
typedef rx_handler_result_t rx_handler_func_t(struct sk_buff **pskb);
struct napi_struct { int (*poll)(struct napi_struct *, int); struct list_head rx_list; };
struct net_device { rx_handler_func_t *rx_handler; };
struct offload_callbacks { struct sk_buff *(*gso_segment)(struct sk_buff *skb, int features); };
struct packet_offload { int type; struct offload_callbacks callbacks; };
struct dst_entry { int (*input)(struct sk_buff *skb); };
struct rtable { struct dst_entry dst; };
struct sock { void (*sk_data_ready)(struct sock *sk); };
struct udp_sock { struct sock sk; int (*encap_rcv)(struct sock *sk, struct sk_buff *skb); };
#define udp_sk(ptr) container_of_const(ptr, struct udp_sock, sk)
struct udp_tunnel_sock_cfg { int (*encap_rcv)(struct sock *sk, struct sk_buff *skb); };
struct nf_hook_ops { unsigned int (*hook)(void *priv, struct sk_buff *skb, void *state); };
struct nf_hook_entry { unsigned int (*hook)(void *priv, struct sk_buff *skb, void *state); void *priv; };
struct nf_hook_entries { struct nf_hook_entry hooks[4]; };
struct conn_ops { int (*conn_request)(struct sock *sk, struct sk_buff *skb); };
`,
  // 1. A handler returned by a function, passed to a registration helper.
  'net/core/rxh.c': `
int netdev_rx_handler_register(struct net_device *dev, rx_handler_func_t *rx_handler, void *data)
{
	rcu_assign_pointer(dev->rx_handler, rx_handler);
	return 0;
}
static int __netif_receive_skb_core(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	rx_handler_func_t *rx_handler;
	rx_handler = rcu_dereference(skb->dev->rx_handler);
	return rx_handler(pskb);
}
`,
  'net/bridge/br_if.c': `
rx_handler_result_t br_handle_frame(struct sk_buff **pskb) { return 0; }
static rx_handler_result_t br_handle_frame_dummy(struct sk_buff **pskb) { return 0; }
static rx_handler_func_t *br_get_rx_handler(const struct net_device *dev)
{
	if (dev)
		return br_handle_frame_dummy;
	return br_handle_frame;
}
int br_add_if(struct net_device *dev)
{
	return netdev_rx_handler_register(dev, br_get_rx_handler(dev), 0);
}
`,
  // 2. Netfilter: ops arrays, a copy into the hook entries, the NF_HOOK inline body.
  'net/netfilter/core.c': `
static void grow(struct nf_hook_entries *new, const struct nf_hook_ops *reg, int n)
{
	new->hooks[n].hook = reg->hook;
}
static inline unsigned int nf_hook_entry_hookfn(const struct nf_hook_entry *entry, struct sk_buff *skb, void *state)
{
	return entry->hook(entry->priv, skb, state);
}
int nf_hook_slow(struct sk_buff *skb, void *state, const struct nf_hook_entries *e)
{
	return nf_hook_entry_hookfn(&e->hooks[0], skb, state);
}
`,
  'include/linux/netfilter.h': `
static inline int nf_hook(int pf, struct sk_buff *skb)
{
	return nf_hook_slow(skb, 0, 0);
}
static inline int NF_HOOK(int pf, int hook, void *net, struct sock *sk, struct sk_buff *skb, void *in, void *out, int (*okfn)(void *, struct sock *, struct sk_buff *))
{
	int ret = nf_hook(pf, skb);
	if (ret == 1)
		ret = okfn(net, sk, skb);
	return ret;
}
`,
  'net/bridge/br_netfilter_hooks.c': `
static unsigned int br_nf_pre_routing(void *priv, struct sk_buff *skb, void *state) { return 1; }
static const struct nf_hook_ops br_nf_ops[] = {
	{
		.hook = br_nf_pre_routing,
	},
};
`,
  'net/ipv6/ip6_input.c': `
static int ip6_rcv_finish(void *net, struct sock *sk, struct sk_buff *skb) { return 0; }
int ipv6_rcv(struct sk_buff *skb)
{
	return NF_HOOK(10, 0, 0, 0, skb, 0, 0, ip6_rcv_finish);
}
int ip6_mc_input(struct sk_buff *skb) { return 0; }
`,
  // 3. Nested designated initializers.
  'net/ipv4/af_inet.c': `
static struct sk_buff *inet_gso_segment(struct sk_buff *skb, int features) { return skb; }
static struct packet_offload ip_packet_offload = {
	.type = 8,
	.callbacks = {
		.gso_segment = inet_gso_segment,
	},
};
`,
  // 6.12 fills its offload tables with compound literals at init time.
  'net/ipv6/ip6_offload.c': `
struct net_hotdata { struct packet_offload ipv6_packet_offload; };
static struct sk_buff *ipv6_gso_segment(struct sk_buff *skb, int features) { return skb; }
int ipv6_offload_init(struct net_hotdata *h)
{
	h->ipv6_packet_offload = (struct packet_offload) {
		.type = 1,
		.callbacks = {
			.gso_segment = ipv6_gso_segment,
		},
	};
	return 0;
}
`,
  'net/core/gso.c': `
struct sk_buff *skb_mac_gso_segment(struct sk_buff *skb, int features)
{
	struct packet_offload *ptype = 0;
	return ptype->callbacks.gso_segment(skb, features);
}
`,
  // 4. A tunnel config copied into the socket, called from the UDP receive path.
  'net/ipv4/udp_tunnel_core.c': `
void setup_udp_tunnel_sock(struct sock *sk, struct udp_tunnel_sock_cfg *cfg)
{
	WRITE_ONCE(udp_sk(sk)->encap_rcv, cfg->encap_rcv);
}
`,
  'drivers/net/vxlan/vxlan_core.c': `
static int vxlan_rcv(struct sock *sk, struct sk_buff *skb) { return 0; }
static void vxlan_socket_create(struct sock *sk)
{
	struct udp_tunnel_sock_cfg tunnel_cfg;
	tunnel_cfg.encap_rcv = vxlan_rcv;
	setup_udp_tunnel_sock(sk, &tunnel_cfg);
}
`,
  'net/ipv4/udp.c': `
static int udp_queue_rcv_one_skb(struct sock *sk, struct sk_buff *skb)
{
	struct udp_sock *up = udp_sk(sk);
	int (*encap_rcv)(struct sock *sk, struct sk_buff *skb);
	encap_rcv = READ_ONCE(up->encap_rcv);
	return encap_rcv(sk, skb);
}
`,
  // 5. A local function pointer passed to a registration helper.
  'net/core/napi.c': `
void netif_napi_add(struct net_device *dev, struct napi_struct *napi, int (*poll)(struct napi_struct *, int))
{
	napi->poll = poll;
}
static int __napi_poll(struct napi_struct *n, int budget)
{
	return n->poll(n, budget);
}
`,
  'drivers/net/ethernet/broadcom/bnxt/bnxt.c': `
static int bnxt_poll(struct napi_struct *napi, int budget) { return 0; }
static int bnxt_poll_p5(struct napi_struct *napi, int budget) { return 0; }
static void bnxt_init_napi(struct net_device *dev, struct napi_struct *napi, int p5)
{
	int (*poll_fn)(struct napi_struct *, int) = bnxt_poll;
	if (p5)
		poll_fn = bnxt_poll_p5;
	netif_napi_add(dev, napi, poll_fn);
}
`,
  // 6. A field of a nested member; 7. a generic default and a copied ops struct at file scope.
  'net/ipv4/route.c': `
int ip_forward(struct sk_buff *skb) { return 0; }
static int mkroute(struct sk_buff *skb)
{
	struct rtable *rth = 0;
	rth->dst.input = ip_forward;
	return 0;
}
`,
  'net/ipv4/ip_input.c': `
static inline int dst_input(struct sk_buff *skb, struct dst_entry *d)
{
	return INDIRECT_CALL_INET(READ_ONCE(d->input), ip6_input, ip_local_deliver, skb);
}
`,
  'net/core/sock.c': `
void sock_def_readable(struct sock *sk) { }
void sock_init_data(struct sock *sk)
{
	sk->sk_data_ready = sock_def_readable;
}
void udp_enqueue(struct sock *sk)
{
	sk->sk_data_ready(sk);
}
void tcp_data_ready(struct sock *sk)
{
	READ_ONCE(sk->sk_data_ready)(sk);
}
`,
  'net/mptcp/subflow.c': `
static struct conn_ops subflow_specific;
static int subflow_v4_conn_request(struct sock *sk, struct sk_buff *skb) { return 0; }
void mptcp_subflow_init(void)
{
	subflow_specific.conn_request = subflow_v4_conn_request;
}
int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb, struct conn_ops *af)
{
	return af->conn_request(sk, skb);
}
`,
  // 8. Callbacks invoked from outside the indexed scope.
  'net/core/timers.c': `
static void rx_timeout(struct timer_list *t) { }
static int __init netpath_init(void) { return 0; }
void start(struct timer_list *t)
{
	timer_setup(t, rx_timeout, 0);
}
module_init(netpath_init);
`,
};

describe('call graph: resolution gaps on small C', () => {
  let root = '';
  let cache = '';
  let g: CallGraph;
  before(async () => {
    root = makeFakeTree(FILES);
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-gaps-'));
    const idx = await KernelIndex.open(root, { cacheRoot: cache, scope: 'net,drivers,include' });
    g = CallGraph.build(idx.files, idx.knowledge);
  });
  after(() => {
    removeTree(root);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const callers = (callee: string) => g.idsOf(callee).flatMap((id) => g.in[id].map((e) => ({ caller: g.nodes[g.edges[e].from].name, kind: g.edges[e].kind })));
  const hasEdge = (caller: string, callee: string, kind: string) =>
    assert.ok(callers(callee).some((c) => c.caller === caller && c.kind === kind), `${caller} -> ${callee} (${kind}); callers: ${JSON.stringify(callers(callee))}`);

  test('1. a handler returned by a function flows like an argument', () => {
    hasEdge('__netif_receive_skb_core', 'br_handle_frame', 'variable');
    hasEdge('__netif_receive_skb_core', 'br_handle_frame_dummy', 'variable');
  });
  test('2. netfilter hooks from nf_hook_ops arrays reach nf_hook_slow; NF_HOOK has its body and its okfn', () => {
    hasEdge('nf_hook_entry_hookfn', 'br_nf_pre_routing', 'field');
    hasEdge('ipv6_rcv', 'NF_HOOK', 'direct');
    hasEdge('ipv6_rcv', 'ip6_rcv_finish', 'macro');
    assert.deepEqual(g.paths('ipv6_rcv', 'nf_hook_slow', 1)[0].map((h) => h.callee), ['NF_HOOK', 'nf_hook', 'nf_hook_slow']);
    // NF_HOOK's okfn parameter, reached from ipv6_rcv, is what ipv6_rcv passed.
    hasEdge('NF_HOOK', 'ip6_rcv_finish', 'variable');
    assert.deepEqual(g.paths('ipv6_rcv', 'ip6_rcv_finish', 2, { via: ['NF_HOOK'] })[0].map((h) => h.callee), ['NF_HOOK', 'ip6_rcv_finish']);
  });
  test('3. nested designated initializers take the inner struct type', () => {
    hasEdge('skb_mac_gso_segment', 'inet_gso_segment', 'field');
    hasEdge('skb_mac_gso_segment', 'ipv6_gso_segment', 'field');
  });
  test('4. a struct copied into the socket: udp_queue_rcv_one_skb -> vxlan_rcv', () => {
    hasEdge('udp_queue_rcv_one_skb', 'vxlan_rcv', 'variable');
  });
  test('5. a local function pointer passed to a registration helper', () => {
    hasEdge('__napi_poll', 'bnxt_poll', 'registered');
    hasEdge('__napi_poll', 'bnxt_poll_p5', 'registered');
  });
  test('6. a field of a nested member, through READ_ONCE in a dispatch macro', () => {
    hasEdge('dst_input', 'ip_forward', 'field');
  });
  test('7. generic defaults and fields of a file-scope ops struct', () => {
    hasEdge('udp_enqueue', 'sock_def_readable', 'field');
    hasEdge('tcp_data_ready', 'sock_def_readable', 'field');
    hasEdge('tcp_rcv_state_process', 'subflow_v4_conn_request', 'field');
  });
  test('8. callbacks of out-of-scope invokers get an external caller, not silence', () => {
    const ext = (fn: string) => g.idsOf(fn).flatMap((id) => g.external.get(id) ?? []).map((x) => x.via);
    assert.equal(callers('rx_timeout').length, 0);
    assert.match(ext('rx_timeout').join(), /^timer_setup: timer softirq/);
    assert.match(ext('netpath_init').join(), /^module_init: module load/);
    // A function that has an indexed caller gets no external one.
    assert.deepEqual(ext('vxlan_rcv'), []);
  });
});

describe('call graph: paths ranked by likelihood on small C', () => {
  let root = '';
  let cache = '';
  let g: CallGraph;
  before(async () => {
    root = makeFakeTree({
      'include/linux/skbuff.h': 'struct sk_buff { int len; };\nstruct list_head { struct list_head *next; };\nstruct napi_struct { struct list_head rx_list; };\nstruct dst_entry { int (*input)(struct sk_buff *skb); };\n',
      // The driver builds the skb in clean_rx; napi_complete flushes a list it never saw filled.
      'drivers/net/nic.c': `
int nic_poll(struct napi_struct *napi, int budget)
{
	nic_clean_rx(napi);
	napi_complete(napi);
	return 0;
}
static void nic_clean_rx(struct napi_struct *napi)
{
	struct sk_buff *skb = build();
	gro_receive(napi, skb);
}
`,
      'net/core/gro.c': `
void gro_receive(struct napi_struct *napi, struct sk_buff *skb) { gro_one(napi, skb); }
void gro_one(struct napi_struct *napi, struct sk_buff *skb) { gro_list(napi); }
void gro_list(struct napi_struct *napi) { receive_list(&napi->rx_list); }
void napi_complete(struct napi_struct *napi) { gro_list(napi); }
void receive_list(struct list_head *head) { struct sk_buff *skb = 0; dst_input(skb); }
`,
      'include/net/dst.h': 'static inline int dst_input(struct sk_buff *skb) { struct dst_entry *d = 0; return d->input(skb); }\n',
      'net/ipv4/ip.c': 'int ip_local_deliver(struct sk_buff *skb) { return udp_rcv(skb); }\nint udp_rcv(struct sk_buff *skb) { return 0; }\nvoid rt4(struct dst_entry *d) { d->input = ip_local_deliver; }\nint ip_rcv(struct sk_buff *skb) { return dst_input(skb); }\n',
      'net/ipv6/ip6.c': 'int ip6_input(struct sk_buff *skb) { return 0; }\nvoid rt6(struct dst_entry *d) { d->input = ip6_input; }\nint ipv6_rcv(struct sk_buff *skb) { return dst_input(skb); }\n',
      // Two callers hand different callbacks to one helper (defined twice, as NF_HOOK and its stub
      // are): a chain through the helper keeps its caller's.
      'net/core/hook.c': '#ifdef CONFIG_HOOKS\nint run_hook(struct sk_buff *skb, int (*okfn)(struct sk_buff *)) { return okfn(skb); }\n#else\nint run_hook(struct sk_buff *skb, int (*okfn)(struct sk_buff *)) { return okfn(skb); }\n#endif\nint fin_a(struct sk_buff *skb) { return udp_rcv(skb); }\nint fin_b(struct sk_buff *skb) { return 0; }\nint entry_a(struct sk_buff *skb) { return run_hook(skb, fin_a); }\nint entry_b(struct sk_buff *skb) { return run_hook(skb, fin_b); }\n',
    });
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-rank-'));
    const idx = await KernelIndex.open(root, { cacheRoot: cache, scope: 'net,drivers,include' });
    g = CallGraph.build(idx.files, idx.knowledge);
  });
  after(() => {
    removeTree(root);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  test('the chain that builds and hands on the packet beats the shorter flush chain', () => {
    const [best, second] = g.rankedPaths('nic_poll', 'udp_rcv', 2);
    assert.deepEqual(best.hops.map((h) => h.callee), ['nic_clean_rx', 'gro_receive', 'gro_one', 'gro_list', 'receive_list', 'dst_input', 'ip_local_deliver', 'udp_rcv']);
    assert.equal(second.hops[0].callee, 'napi_complete', 'the flush chain is still offered, second');
    assert.ok(best.cost < second.cost);
    // Hop counts alone would have ranked them the other way.
    assert.ok(best.hops.length > second.hops.length);
    assert.equal(best.cost, best.hops.reduce((a, h) => a + (h.cost ?? 0), 0));
  });

  test('an IPv6 chain does not take the IPv4 candidate of a shared field when an IPv6 one exists', () => {
    const [p] = g.rankedPaths('ipv6_rcv', 'ip6_input', 1);
    assert.deepEqual(p.hops.map((h) => h.callee), ['dst_input', 'ip6_input']);
    const [cross] = g.rankedPaths('ipv6_rcv', 'udp_rcv', 1);
    const hop = cross.hops.find((h) => h.callee === 'ip_local_deliver');
    assert.ok(hop && hop.cost! >= 20, `family switch costs: ${JSON.stringify(hop)}`);
    assert.match(hop.why ?? '', /leaves IPv6 for IPv4/);
    const [v4] = g.rankedPaths('ip_rcv', 'udp_rcv', 1);
    assert.ok(v4.cost < cross.cost);
  });

  test('a chain that starts in neutral code can be told the family the packet is in', () => {
    // receive_list and dst_input are net/core and include: no family of their own.
    const [free] = g.rankedPaths('receive_list', 'ip6_input', 1);
    const [v4] = g.rankedPaths('receive_list', 'ip6_input', 1, { family: 'IPv4' });
    assert.ok(free.cost < 10, `neutral start: ${free.cost}`);
    assert.ok(v4.cost > free.cost + 19, `an IPv4 packet taking the IPv6 handler of a shared field: ${v4.cost} against ${free.cost}`);
    assert.match(v4.hops.at(-1)?.why ?? '', /leaves IPv4 for IPv6/);
  });

  test('a call through a callback parameter follows what the chain passed there', () => {
    assert.deepEqual(g.paths('entry_a', 'udp_rcv', 1)[0].map((h) => h.callee), ['run_hook', 'fin_a', 'udp_rcv']);
    assert.deepEqual(g.paths('entry_b', 'udp_rcv', 1), [], 'entry_b hands run_hook fin_b, which never reaches udp_rcv');
    assert.deepEqual(g.paths('entry_b', 'fin_a', 1), []);
  });

  test('--via, --avoid and --max-candidates shape the chains', () => {
    assert.deepEqual(g.paths('nic_poll', 'udp_rcv', 1, { via: ['napi_complete'] })[0].map((h) => h.callee).slice(0, 2), ['napi_complete', 'gro_list']);
    assert.ok(g.paths('nic_poll', 'udp_rcv', 3, { avoid: ['nic_clean_rx'] }).every((p) => p.every((h) => h.callee !== 'nic_clean_rx')));
    assert.deepEqual(g.paths('nic_poll', 'udp_rcv', 3, { avoid: ['gro_list'] }), []);
    // dst->input has two candidates: with at most one allowed, no chain goes through it.
    assert.deepEqual(g.paths('nic_poll', 'udp_rcv', 1, { maxCandidates: 1 }), []);
  });
});
