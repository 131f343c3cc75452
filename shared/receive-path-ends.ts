// Kernel knowledge the client and the server share: where a receive path ends by default. Kept
// out of the protocol module (messages only). The server's other kernel knowledge is data in
// server/src/engine/data/kernel-knowledge.json.

/**
 * Default end points of a receive path: the functions that put an skb on a socket's receive queue.
 * The one place this list lives; the server uses it when a request names no end point.
 */
export const SOCKET_ENQUEUE_FUNCTIONS: readonly string[] = ['__udp_queue_rcv_skb', 'tcp_v4_do_rcv', '__sock_queue_rcv_skb'];

/**
 * The receive-path view's default end points from a NAPI poll function: IPv4 and IPv6 UDP and TCP
 * delivery, then `sock_queue_rcv_skb` (raw and ping sockets). Each is searched only through its
 * family's local delivery (`through`, the first of these that gives a chain), so the cheapest
 * chain cannot leave through another protocol's handler (AppleTalk's atalk_rcv also calls
 * sock_queue_rcv_skb, two hops sooner). When the start is already past `through` (udp_rcv), the
 * end point is searched without it.
 */
export const SOCKET_DELIVERY: ReadonlyArray<{ name: string; through: readonly string[] }> = [
  { name: '__udp_queue_rcv_skb', through: ['ip_protocol_deliver_rcu'] },
  { name: 'tcp_v4_do_rcv', through: ['ip_protocol_deliver_rcu'] },
  { name: '__udpv6_queue_rcv_skb', through: ['ip6_protocol_deliver_rcu'] },
  { name: 'tcp_v6_do_rcv', through: ['ip6_protocol_deliver_rcu'] },
  { name: 'sock_queue_rcv_skb', through: ['ip_protocol_deliver_rcu', 'ip6_protocol_deliver_rcu'] },
];
