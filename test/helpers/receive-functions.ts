// The receive path's main functions, from a driver's poll through the core, IPv4 and IPv6,
// bridge, VXLAN, macvlan/macvtap, forwarding and TCP/UDP delivery: each one's drop script must
// pass `stap -p2` on the pinned 6.12 build (probes-pass2.test.ts) and on the newest served one
// (`npm run bench -- drift`). ip_rcv_core (a label GCC keeps no DWARF for) and __udp4_lib_rcv
// ($drop_reason not readable at every address of its label) are the two that failed on 6.12.118.
export const RECEIVE_DROP_FUNCTIONS = [
  'ixgbe_clean_rx_irq', 'receive_buf', 'net_rx_action', 'enqueue_to_backlog', '__netif_receive_skb_core',
  'ip_rcv_core', 'ip_rcv_finish_core', 'ip_protocol_deliver_rcu', 'ip_forward',
  'ip6_rcv_core', 'ip6_protocol_deliver_rcu', 'ip6_forward',
  'br_handle_frame', 'br_handle_frame_finish', 'vxlan_rcv', 'macvlan_handle_frame', 'tap_handle_frame',
  'tcp_v4_rcv', 'tcp_v6_rcv', '__udp4_lib_rcv', 'udp_queue_rcv_one_skb', '__udp_queue_rcv_skb',
  '__udp6_lib_rcv', 'udpv6_queue_rcv_one_skb',
] as const;

/** Receive paths users ask for first, compared across point releases by the drift bench. */
export const CANONICAL_PATHS: Array<[string, string]> = [
  ['ixgbe_poll', '__udp_queue_rcv_skb'],
  ['ixgbe_poll', 'tcp_v4_do_rcv'],
  ['virtnet_poll', '__udpv6_queue_rcv_skb'],
  ['__netif_receive_skb_core', 'tap_handle_frame'],
  ['br_handle_frame', 'ip_rcv'],
  ['vxlan_rcv', 'gro_cells_receive'],
  ['gro_cell_poll', '__udp_queue_rcv_skb'],
];

/** Files whose drop sites the drift bench compares (the goldens' files and the rest of the path). */
export const DRIFT_FILES = [
  'net/core/dev.c', 'net/core/gro.c', 'net/ipv4/ip_input.c', 'net/ipv4/ip_forward.c', 'net/ipv4/udp.c', 'net/ipv4/tcp_ipv4.c',
  'net/ipv6/ip6_input.c', 'net/ipv6/udp.c', 'net/bridge/br_input.c', 'drivers/net/vxlan/vxlan_core.c', 'drivers/net/tap.c',
  'drivers/net/macvlan.c',
];
