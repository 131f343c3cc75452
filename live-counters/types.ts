// Shared shapes of the live counters: what a collector delivers (one raw snapshot of text per
// source) and what the parsers and the model make of it. No I/O here.

/** How reading one source went on the host. `nostats`: ethtool says the driver has none (neutral). */
export type SourceStatus = 'ok' | 'missing' | 'denied' | 'error' | 'nostats';

export interface RawSource {
  status: SourceStatus;
  text: string;
}

/** One complete snapshot as read on the host, before parsing. */
export interface RawSnapshot {
  /** Seconds since boot on the host (/proc/uptime): rates are computed from it, never from local time. */
  uptime: number;
  /** /proc/sys/kernel/random/boot_id: a new one means the host rebooted and counters restarted. */
  bootId: string;
  /** `uname -r` of the host. */
  release: string;
  /** Keyed by source id: softnet, snmp, netstat, snmp6, udp, udp6, dev, sys, interrupts, softirqs, ethtool:<ifname>. */
  sources: Map<string, RawSource>;
}

/**
 * One named counter. Its key is `source.group.name` (or `source.name` without a group), e.g.
 * `snmp.Udp.RcvbufErrors`, `softnet.cpu1.dropped`, `dev.eth0.rx_drop`.
 */
export interface Counter {
  source: string;
  group: string;
  name: string;
  value: bigint;
  /** Bits of the kernel's counter: a 32-bit counter may wrap, a 64-bit one going backwards was reset. */
  width: 32 | 64;
  /** A level, not a count (CurrEstab, rx_queue, backlog length): no rate. */
  gauge?: boolean;
  /** Extra text shown beside the counter (an IRQ's device, a socket's addresses). */
  label?: string;
}

export function counterKey(c: Pick<Counter, 'source' | 'group' | 'name'>): string {
  return c.group ? `${c.source}.${c.group}.${c.name}` : `${c.source}.${c.name}`;
}

/** Parses the text of one source into counters; never throws, skips what it cannot read. */
export type SourceParser = (text: string, source: string) => Counter[];
