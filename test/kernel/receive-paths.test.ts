// The paths packets really take, on the real Debian 6.1 and 6.12 trees: every resolution gap
// real stack traces exposed has its edge (kind and call-site line read from the tree's text),
// and the first chains between canonical end points are the ones a packet takes, read from
// the code: NIC poll -> UDP and TCP delivery, bridge -> local delivery, VXLAN decapsulation,
// forwarding, netfilter. The unit tests (test/unit/callgraph-gaps.test.ts) show each gap on small C.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { savedGraph } from '../helpers/saved-graph';
import { KERNEL_VERSIONS, kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import type { Hop } from '../../server/src/engine/callgraph/types';

for (const version of KERNEL_VERSIONS) {
  describe(`receive paths on Linux ${version}`, () => {
    let root = '';
    let g: CallGraph;
    before(async () => {
      root = kernelTree(version);
      const idx = await KernelIndex.open(root, { cacheRoot: sharedCache() });
      g = (await savedGraph(idx)).graph;
    });

    const text = (file: string, line: number) => fs.readFileSync(path.join(root, file), 'utf8').split('\n')[line - 1] ?? '';
    /** The edge caller -> callee of this kind, whose call-site line in the tree shows `site`. */
    const edge = (caller: string, callee: string, kind: string, site: RegExp) => {
      const found = g.idsOf(callee).flatMap((id) => g.in[id].map((e) => g.edges[e])).filter((e) => g.nodes[e.from].name === caller && e.kind === kind);
      assert.ok(found.length, `${caller} -> ${callee} (${kind}); callers: ${g.idsOf(callee).flatMap((id) => g.in[id].map((e) => `${g.nodes[g.edges[e].from].name}:${g.edges[e].kind}`)).join(' ')}`);
      assert.ok(found.some((e) => site.test(text(e.file, e.line))), `${caller} -> ${callee}: call site ${found.map((e) => `${e.file}:${e.line} "${text(e.file, e.line).trim()}"`).join(', ')} does not match ${site}`);
    };

    test('1. a handler returned by a function: br_get_rx_handler(dev) registers br_handle_frame', () => {
      assert.match(fs.readFileSync(path.join(root, 'net/bridge/br_if.c'), 'utf8'), /netdev_rx_handler_register\(dev, br_get_rx_handler\(dev\), p\)/);
      edge('__netif_receive_skb_core', 'br_handle_frame', 'variable', /rx_handler\(&skb\)/);
    });

    test('2. netfilter: nf_hook_ops arrays reach nf_hook_entry_hookfn, NF_HOOK has its body besides its okfn', () => {
      edge('nf_hook_entry_hookfn', 'br_nf_pre_routing', 'field', /entry->hook\(/);
      edge('nf_hook_entry_hookfn', 'ipv4_conntrack_in', 'field', /entry->hook\(/);
      edge('nf_hook_entry_hookfn', 'nft_do_chain_ipv4', 'field', /entry->hook\(/);
      edge('ipv6_rcv', 'NF_HOOK', 'direct', /NF_HOOK\(/);
      edge('ipv6_rcv', 'ip6_rcv_finish', 'macro', /NF_HOOK\(/);
      assert.deepEqual(g.paths('ipv6_rcv', 'nf_hook_slow', 1)[0].map((h) => h.callee), ['NF_HOOK', 'nf_hook', 'nf_hook_slow']);
    });

    test('3. nested designated initializers: offload callbacks', () => {
      edge('skb_mac_gso_segment', 'inet_gso_segment', 'field', /callbacks\.gso_segment\(/);
      edge('ipv6_gro_receive', 'udp6_gro_receive', 'macro', /indirect_call_gro_receive_l4\(/);
    });

    test('4. tunnel configs copied into the socket: udp_queue_rcv_one_skb -> vxlan_rcv, geneve, wireguard, fou, l2tp', () => {
      for (const fn of ['vxlan_rcv', 'geneve_udp_encap_recv', 'wg_receive', 'fou_udp_recv', 'l2tp_udp_encap_recv']) {
        edge('udp_queue_rcv_one_skb', fn, 'variable', /encap_rcv\(sk, skb\)/);
      }
    });

    test('5. a local function pointer passed to netif_napi_add: bnxt_poll and its variants', () => {
      for (const fn of ['bnxt_poll', 'bnxt_poll_p5']) edge('__napi_poll', fn, 'registered', /->poll\(/);
    });

    test('6. fields of nested members: rth->dst.input = ip_forward, rt->dst.input = ip6_mc_input', () => {
      for (const fn of ['ip_forward', 'ip6_mc_input', 'ip6_pkt_discard', 'ip_local_deliver', 'ip6_input']) edge('dst_input', fn, fn === 'ip_local_deliver' || fn === 'ip6_input' ? 'macro' : 'field', /INDIRECT_CALL_INET\(/);
    });

    test('7. generic defaults and copied ops structs: sock_def_readable, subflow_v4_conn_request', () => {
      assert.ok(g.idsOf('sock_def_readable').some((id) => g.in[id].length > 10), 'sk->sk_data_ready has sock_def_readable as a candidate at many sites');
      edge('tcp_rcv_state_process', 'subflow_v4_conn_request', 'field', /conn_request\(/);
      // 6.12 loads these fields with READ_ONCE(x->f)(args).
      edge('tcp_data_ready', 'sock_def_readable', 'field', /sk_data_ready\)?\(sk\)/);
      edge('neigh_output', 'neigh_resolve_output', 'field', /output\)?\(n, skb\)/);
    });

    test('8. callbacks of invokers outside the indexed scope have an external caller', () => {
      const ext = (fn: string) => g.idsOf(fn).flatMap((id) => g.external.get(id) ?? []);
      const init = ext('net_dev_init');
      assert.ok(init.some((x) => /^subsys_initcall: boot initcall/.test(x.via)), JSON.stringify(init));
      assert.match(text(init[0].file, init[0].line), /subsys_initcall\(net_dev_init\)/);
      // Among address-taken functions, those with neither a caller nor an external one are the real gaps.
      let taken = 0;
      let silent = 0;
      for (const n of g.nodes) {
        if (!n.file.startsWith('net/core/')) continue;
        const hasRef = g.in[n.id].length > 0 || g.external.has(n.id);
        taken++;
        if (!hasRef) silent++;
      }
      assert.ok(silent < taken * 0.3, `net/core functions with no caller at all: ${silent} of ${taken}`);
    });

    // ---- canonical chains, read from the code ----
    const names = (p: { hops: Hop[] }) => [p.hops[0].caller, ...p.hops.map((h) => h.callee)];
    const inOrder = (chain: string[], want: Array<string | string[]>) => {
      let at = 0;
      for (const w of want) {
        const alts = Array.isArray(w) ? w : [w];
        const i = chain.findIndex((n, j) => j >= at && alts.includes(n));
        assert.ok(i >= 0, `${alts.join('|')} after position ${at} in ${chain.join(' > ')}`);
        at = i + 1;
      }
    };
    const v6 = (p: { hops: Hop[] }) => p.hops.filter((h) => h.file.startsWith('net/ipv6/')).map((h) => `${h.caller}>${h.callee}`);
    const checkHops = (p: { hops: Hop[]; cost: number }) => {
      for (let i = 1; i < p.hops.length; i++) assert.equal(p.hops[i].caller, p.hops[i - 1].callee, 'hops connect');
      for (const h of p.hops) {
        if (h.kind === 'direct') assert.ok(text(h.file, h.line).includes(h.callee), `${h.file}:${h.line} calls ${h.callee}`);
        assert.ok(typeof h.cost === 'number' && h.cost >= 1, JSON.stringify(h));
      }
      assert.ok(Math.abs(p.cost - p.hops.reduce((a, h) => a + h.cost!, 0)) < 0.05);
    };

    test('NIC poll to UDP: ixgbe_poll -> ixgbe_clean_rx_irq -> napi_gro_receive -> ip_rcv|ip_list_rcv -> udp_rcv; no IPv6 in the top three', () => {
      const top = g.rankedPaths('ixgbe_poll', '__udp_queue_rcv_skb', 3);
      assert.equal(top.length, 3);
      inOrder(names(top[0]), ['ixgbe_poll', 'ixgbe_clean_rx_irq', 'napi_gro_receive', ['ip_rcv', 'ip_list_rcv'], 'udp_rcv', '__udp_queue_rcv_skb']);
      for (const p of top) {
        checkHops(p);
        assert.deepEqual(v6(p), [], `IPv6 hop in ${names(p).join(' > ')}`);
      }
      assert.ok(top[0].cost <= top[1].cost && top[1].cost <= top[2].cost);
    });

    test('virtio_net to TCP: virtnet_poll -> receive_buf -> napi_gro_receive -> ... -> tcp_v4_rcv -> tcp_v4_do_rcv', () => {
      const top = g.rankedPaths('virtnet_poll', 'tcp_v4_do_rcv', 3);
      inOrder(names(top[0]), ['virtnet_poll', 'virtnet_receive', 'receive_buf', 'napi_gro_receive', ['ip_rcv', 'ip_list_rcv'], 'ip_local_deliver', 'tcp_v4_rcv', 'tcp_v4_do_rcv']);
      for (const p of top) checkHops(p);
      assert.deepEqual(v6(top[0]), []);
    });

    test('virtio_net to TCP over IPv6 stays IPv6 after ipv6_rcv', () => {
      const [p] = g.rankedPaths('virtnet_poll', 'tcp_v6_do_rcv', 1);
      inOrder(names(p), ['virtnet_poll', 'napi_gro_receive', ['ipv6_rcv', 'ipv6_list_rcv'], 'ip6_input', 'tcp_v6_rcv', 'tcp_v6_do_rcv']);
      assert.ok(!names(p).some((n) => ['ip_rcv', 'ip_list_rcv', 'ip_local_deliver'].includes(n)), names(p).join(' > '));
    });

    test('bridge to local delivery: br_handle_frame -> br_handle_frame_finish -> br_pass_frame_up -> ip_rcv -> ip_local_deliver', () => {
      const top = g.rankedPaths('br_handle_frame', 'ip_local_deliver', 3);
      inOrder(names(top[0]), ['br_handle_frame', 'br_handle_frame_finish', 'br_pass_frame_up', 'br_netif_receive_skb', 'ip_rcv', 'ip_rcv_finish', 'dst_input', 'ip_local_deliver']);
      for (const p of top) {
        checkHops(p);
        assert.ok(!names(p).includes('ipv6_rcv'), `IPv6 entry with an IPv4 handler: ${names(p).join(' > ')}`);
      }
    });

    test('VXLAN decapsulation: UDP delivery hands the packet to vxlan_rcv, which queues it to a GRO cell', () => {
      const [p] = g.rankedPaths('udp_queue_rcv_one_skb', 'vxlan_rcv', 1);
      assert.deepEqual(names(p), ['udp_queue_rcv_one_skb', 'vxlan_rcv']);
      assert.equal(p.hops[0].kind, 'variable');
      edge('vxlan_rcv', 'gro_cells_receive', 'direct', /gro_cells_receive\(/);
      edge('gro_cells_receive', 'gro_cell_poll', 'queued', /gro_cells_receive/);
      const [inner] = g.rankedPaths('gro_cell_poll', 'ip_rcv', 1, { via: ['napi_gro_receive'] });
      inOrder(names(inner), ['gro_cell_poll', 'napi_gro_receive', 'ip_rcv']);
    });

    test('forwarding: ip_rcv -> ip_rcv_finish -> dst_input -> ip_forward -> ip_forward_finish -> ip_output', () => {
      const [p] = g.rankedPaths('ip_rcv', 'ip_forward', 1);
      assert.deepEqual(names(p), ['ip_rcv', 'ip_rcv_finish', 'dst_input', 'ip_forward']);
      const [out] = g.rankedPaths('ip_forward', 'dev_queue_xmit', 1);
      inOrder(names(out), ['ip_forward', 'ip_forward_finish', 'dst_output', 'ip_output', 'ip_finish_output2', 'dev_queue_xmit']);
    });

    test('netfilter on the bridge: br_handle_frame runs the PRE_ROUTING hooks itself (nf_hook_bridge_pre)', () => {
      const [p] = g.rankedPaths('br_handle_frame', 'br_nf_pre_routing', 1);
      assert.deepEqual(names(p), ['br_handle_frame', 'nf_hook_bridge_pre', 'nf_hook_entry_hookfn', 'br_nf_pre_routing']);
      assert.match(text(p.hops[1].file, p.hops[1].line), /nf_hook_entry_hookfn\(/);
    });

    test('--via, --avoid and --max-candidates on the real graph', () => {
      const [via] = g.rankedPaths('ixgbe_poll', '__udp_queue_rcv_skb', 1, { via: ['ip_rcv'] });
      assert.ok(names(via).includes('ip_rcv'));
      const avoid = g.rankedPaths('ixgbe_poll', '__udp_queue_rcv_skb', 3, { avoid: ['ip_list_rcv'] });
      assert.ok(avoid.length && avoid.every((p) => !names(p).includes('ip_list_rcv')));
      const narrow = g.rankedPaths('ixgbe_poll', '__udp_queue_rcv_skb', 3, { maxCandidates: 20 });
      assert.ok(narrow.every((p) => p.hops.every((h) => h.kind === 'direct' || (h.candidates ?? 1) <= 20)));
    });
  });
}
