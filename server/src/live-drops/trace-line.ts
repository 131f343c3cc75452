// Parsers for what the kernel says about a freed skb, free of I/O: one `skb:kfree_skb` line of
// tracefs `trace_pipe`, the `location=` field alone, and the bpftrace map lines netpath's own
// aggregate format prints. They never throw: a line they cannot read is `undefined`, and the
// caller counts it (garbage and truncated lines are fuzzed in test/unit/live-drops-parse.test.ts).

/** Where the skb was freed: `fn+0xoff/0xsize` as `%pS` prints it, or a bare address on kernels
 * (or kptr_restrict settings) that print no symbol. */
export interface FreeLocation {
  /** Function symbol (compiler clones keep their suffix: `foo.isra.0`); undefined for a bare address. */
  fn?: string;
  /** Byte offset into the function, and the function's size, when printed. */
  offset?: number;
  size?: number;
  /** A module symbol's module (`[nf_tables]`). */
  module?: string;
  /** The address as printed (hex digits, lower case) when no symbol was. */
  address?: string;
}

export interface KfreeSkbEvent {
  location: FreeLocation;
  /** The symbolic reason (`SOCKET_RCVBUFF`); undefined on kernels before 5.17, which print none. */
  reason?: string;
  /** Ethernet protocol of the skb (2048 = IPv4, 34525 = IPv6), when printed. */
  protocol?: number;
}

const SYMBOL = /^([A-Za-z_][\w.$]*)\+0x([0-9a-fA-F]{1,16})\/0x([0-9a-fA-F]{1,16})$/;
const ADDRESS = /^(?:0x)?([0-9a-fA-F]{8,16})$/;

/** Reads a `location=` value: `udp_queue_rcv_one_skb+0x437/0x4c0`, `0xffffffff8123abcd`. */
export function parseLocation(text: string): FreeLocation | undefined {
  const t = text.trim();
  const s = SYMBOL.exec(t);
  if (s) return { fn: s[1], offset: parseInt(s[2], 16), size: parseInt(s[3], 16) };
  const a = ADDRESS.exec(t);
  if (a) return { address: a[1].toLowerCase() };
  return undefined;
}

/** A location as a stable text key: `fn+0xoff` or the bare address. */
export function locationKey(l: FreeLocation): string {
  if (l.fn) return l.offset === undefined ? l.fn : `${l.fn}+0x${l.offset.toString(16)}`;
  return `0x${l.address ?? '?'}`;
}

/**
 * One trace_pipe line, e.g.
 * `node-31793 [001] ..s1. 14215.725: kfree_skb: skbaddr=0000... rx_sk=0000... protocol=2048 location=udp_queue_rcv_one_skb+0x437/0x4c0 reason: SOCKET_RCVBUFF`.
 * Older kernels print `location=0xffff...` or `location=ffff...` and no `reason:`; a module symbol
 * carries ` [module]` after the location.
 */
export function parseTraceLine(line: string): KfreeSkbEvent | undefined {
  const at = line.indexOf(' kfree_skb: ');
  if (at < 0) return undefined;
  const body = line.slice(at + 12);
  const loc = /(?:^| )location=(\S+)(?: \[([\w-]+)\])?/.exec(body);
  if (!loc) return undefined;
  const location = parseLocation(loc[1]);
  if (!location) return undefined;
  if (loc[2]) location.module = loc[2];
  const out: KfreeSkbEvent = { location };
  const r = / reason: ([A-Z0-9_]+)\s*$/.exec(body);
  if (r) out.reason = r[1];
  else if (/ reason:/.test(body)) return undefined; // a reason cut short: do not guess it
  const p = /(?:^| )protocol=(\d{1,5})(?: |$)/.exec(body);
  if (p) out.protocol = Number(p[1]);
  return out;
}

/**
 * netpath's bpftrace aggregate format: the session's bpftrace program keys a count by the raw
 * location address and the reason number and prints the map each interval, as bpftrace does:
 * `@drops[18446744071581376053, 6]: 199` (address as unsigned decimal or 0x hex).
 */
export interface BpftraceAggregate { address: string; reasonCode: number; count: number }

export function parseBpftraceAggregate(line: string): BpftraceAggregate | undefined {
  const m = /^@drops\[(0x[0-9a-fA-F]{1,16}|\d{1,20}), (\d{1,5})\]: (\d{1,15})$/.exec(line.trim());
  if (!m) return undefined;
  let addr: bigint;
  try {
    addr = BigInt(m[1]);
  } catch {
    return undefined;
  }
  if (addr >= 1n << 64n) return undefined;
  return { address: addr.toString(16).padStart(16, '0'), reasonCode: Number(m[2]), count: Number(m[3]) };
}
