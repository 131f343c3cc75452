// Public shapes of drop sites and the counter map: the CLI prints them as JSON, the language
// server sends them to the client, and the counters panel (issue 6) calls counterSites().

export type DropKind = 'goto' | 'free' | 'counter';

/**
 * Every reason a variable may hold at a site, when it is not a single one: stores in the branches
 * of an if/else before the free (`drop_reason = SKB_DROP_REASON_SOCKET_RCVBUFF;` in one,
 * `..._PROTO_MEM` in the other), or a store followed by conditional overrides. `computed` names
 * the calls whose result was stored too (`reason = pskb_may_pull_reason(...)`): run-time values.
 */
export interface PossibleReasons { values: string[]; computed?: string[] }

/** One place where a packet is dropped, why, and which counters show it. */
export interface DropSite {
  function: string;
  /** Path relative to the tree. */
  file: string;
  line: number;
  kind: DropKind;
  /** goto: the drop label and the line it is defined on. */
  label?: string;
  labelLine?: number;
  /** goto: the line the label's statement starts on (the label's own line when they share it). */
  labelBodyLine?: number;
  /** SKB_DROP_REASON_* assigned before the goto or passed at the label / free; null when none is. */
  reason: string | null;
  /** The reason's comment in include/net/dropreason*.h. */
  reasonText?: string;
  /** When no single reason reaches the site: every one that may (reason is then null). */
  reasons?: PossibleReasons;
  /** Counter names (column or statistics names) this site increments, directly or through calls. */
  counters: string[];
  /** goto: the condition guarding it (`!(...)` when the goto is in the else branch). */
  condition?: string;
  /** goto: the line the guarding condition starts on, and the first line of the branch holding the goto. */
  conditionLine?: number;
  branchLine?: number;
  /** goto: the variable that carries the reason to the label's free (`drop_reason`), which tells the label's gotos apart. */
  reasonVariable?: string;
  /** goto: code before the label also runs into it, so the label sees more than its gotos. */
  labelFallsInto?: boolean;
  /** free: the freeing function; counter: how the counter is bumped. */
  via?: string;
  /** dev_kfree_skb_any/_irq: a drop or a consume depending on context. */
  notAlwaysDrop?: boolean;
  /** Calls followed to reach the counters, e.g. ["tap->count_rx_dropped", "macvtap_count_rx_dropped", "macvlan_count_rx"]. */
  through?: string[];
}

/** One counter as user space sees it, mapped to what the kernel increments. */
export interface CounterEntry {
  /** Column or file name: "RcvbufErrors", "time_squeeze", "rx_dropped", "drops". */
  name: string;
  /** "/proc/net/snmp", "/proc/net/softnet_stat", "/sys/class/net/*\/statistics/rx_dropped", "/proc/net/udp". */
  file: string;
  /** /proc/net/snmp and /proc/net/netstat line prefix ("Udp", "TcpExt"). */
  prefix?: string;
  /** 1-based column, for files without a header line (softnet_stat) or with one (udp). */
  column?: number;
  /** SNMP MIB constant the column shows. */
  mib?: string;
  /** Struct field the column shows, and the struct when the field name alone is ambiguous. */
  field?: string;
  struct?: string;
  /** Where the tree declares the mapping. */
  source: { file: string; line: number };
  /** Counts drops or losses (by name). */
  drop: boolean;
}

export interface CounterSite {
  function: string; file: string; line: number; via: string;
  /** With a device's driver given: its driver's code, the device-independent core, or another driver's. */
  group?: 'driver' | 'core' | 'other';
}

/** `netpath counter-sites <name>`. */
export interface CounterSitesResult {
  counter: string;
  /** The counter the name resolved to ("Udp:RcvbufErrors"), whichever form was asked for. */
  key: string;
  file: string;
  mib: string | null;
  field?: string;
  prefixes?: string[];
  /** A plain name shared by IPv4 and IPv6: the keys of the counters it also names whose sites are not in this answer. */
  also?: string[];
  sites: CounterSite[];
  /** The device driver the sites were ordered for, and how many files Kbuild links into it. */
  driver?: { name: string; files: number };
}
