// The names users type for a counter, matched to the tree's counter map: the column name as
// /proc shows it (`RcvbufErrors`), the prefixed form of /proc/net/snmp and netstat
// (`Udp:RcvbufErrors`), nstat's joined form (`UdpRcvbufErrors`, `TcpExtTCPBacklogDrop`), the
// snmp6 name (`Udp6RcvbufErrors`), or a file-qualified key (`/proc/net/softnet_stat:dropped`).
// A bare name shared by IPv4 and IPv6 gives both, labelled, IPv4 first. Shared by the CLI, the
// server and the client's quick pick; no vscode import. Every command that takes a counter name
// (counter-sites, explain, their LSP requests, the counters panel's links) resolves it with
// resolveCounter, so a name one of them understands the others understand too.

/** The fields of a counter-map entry the matching reads (CounterInfo on the wire). */
export interface NamedCounter {
  /** What CounterSitesRequest and `netpath counter-sites` take: "Udp:RcvbufErrors". */
  key: string;
  name: string;
  file: string;
  prefix?: string;
  /** The struct field the column shows (`sk_drops`, `time_squeeze`), for a user reading the code. */
  field?: string;
  drop: boolean;
}

export type CounterFamily = 'IPv4' | 'IPv6' | 'IPv4 and IPv6' | 'device' | 'softnet' | 'socket' | 'other';

/** /proc/net/snmp6 names carry their protocol: `Udp6RcvbufErrors` is UDP's RcvbufErrors over IPv6. */
const SNMP6 = /^(Ip|Icmp|Udp|UdpLite)6(.+)$/;
/** Protocols of /proc/net/snmp, by prefix, for the label. */
const PROTOCOLS: Record<string, string> = { Ip: 'IP', Icmp: 'ICMP', IcmpMsg: 'ICMP', Tcp: 'TCP', Udp: 'UDP', UdpLite: 'UDP-Lite', Ip6: 'IP', Icmp6: 'ICMP', Udp6: 'UDP', UdpLite6: 'UDP-Lite' };

export function familyOf(c: NamedCounter): CounterFamily {
  if (c.file === '/proc/net/snmp6') return 'IPv6';
  if (c.file === '/proc/net/snmp') return 'IPv4';
  // TcpExt and IpExt count for both families (one struct per namespace).
  if (c.file === '/proc/net/netstat') return 'IPv4 and IPv6';
  if (c.file.startsWith('/sys/class/net/')) return 'device';
  if (c.file.includes('softnet_stat')) return 'softnet';
  if (/^\/proc\/net\/(udp|tcp|raw)6?$/.test(c.file)) return 'socket';
  return 'other';
}

/** nstat's name for a /proc/net/snmp, netstat or snmp6 counter; undefined for other files. */
export function nstatName(c: NamedCounter): string | undefined {
  if (c.file === '/proc/net/snmp6') return c.name;
  if ((c.file === '/proc/net/snmp' || c.file === '/proc/net/netstat') && c.prefix) return `${c.prefix}${c.name}`;
  return undefined;
}

/** The protocol the counter belongs to, as a reader says it: "UDP", "TCP", "IP". */
export function protocolOf(c: NamedCounter): string | undefined {
  if (c.prefix) return PROTOCOLS[c.prefix] ?? c.prefix;
  const m = SNMP6.exec(c.name);
  return m ? PROTOCOLS[`${m[1]}6`] : undefined;
}

/** The column name without the snmp6 protocol prefix: `Udp6RcvbufErrors` -> `RcvbufErrors`. */
export function bareName(c: NamedCounter): string {
  return c.file === '/proc/net/snmp6' ? (SNMP6.exec(c.name)?.[2] ?? c.name) : c.name;
}

/** "IPv4 UDP RcvbufErrors", "IPv6 UDP RcvbufErrors", "softnet dropped": what a choice is. */
export function counterTitle(c: NamedCounter): string {
  const fam = familyOf(c);
  const proto = protocolOf(c);
  return [fam === 'other' ? '' : fam, proto ?? '', bareName(c)].filter(Boolean).join(' ');
}

export interface CounterMatch<T extends NamedCounter> { counter: T; score: number; how: string }

/**
 * Counters `query` may mean, best first: exact key, nstat name or snmp6 name, then the bare
 * column name (every family that has it: the main protocol before its -Lite variant, IPv4
 * before IPv6), then the same ignoring case, then substrings. Empty when nothing matches.
 */
export function matchCounters<T extends NamedCounter>(query: string, counters: readonly T[]): Array<CounterMatch<T>> {
  const q = query.trim();
  if (!q) return [];
  const lower = q.toLowerCase();
  const out: Array<CounterMatch<T>> = [];
  for (const c of counters) {
    const names: Array<[string | undefined, number, string]> = [
      [c.key, 100, 'name'],
      [nstatName(c), 95, 'nstat name'],
      [c.file === '/proc/net/snmp6' ? undefined : c.name, 90, 'column name'],
      [bareName(c) !== c.name ? bareName(c) : undefined, 90, 'column name'],
    ];
    let best: CounterMatch<T> | undefined;
    for (const [n, score, how] of names) {
      if (!n) continue;
      let s = -1;
      if (n === q) s = score;
      else if (n.toLowerCase() === lower) s = score - 10;
      else if (n.toLowerCase().includes(lower)) s = 40 - Math.min(20, n.length - q.length);
      if (s > (best?.score ?? -1)) best = { counter: c, score: s, how };
    }
    if (best) out.push(best);
  }
  return out.sort((a, b) => b.score - a.score || byChoice(a.counter, b.counter));
}

/** What a counter name resolves to: one counter, several that count different things, or none. */
export type CounterResolution<T extends NamedCounter> =
  /** `also`: the same column in the other families or the -Lite variant, when a plain name chose among them. */
  | { kind: 'one'; counter: T; also: T[] }
  | { kind: 'ambiguous'; candidates: T[] }
  /** `suggestions`: counters whose names contain the query, best first (at most five). */
  | { kind: 'none'; suggestions: T[] };

/** Names that say which counter they mean: the key, file-qualified, nstat, `Udp:X`, `Udp X`, `Udp6:X`. */
function qualifiedForms(c: NamedCounter): string[] {
  // `/proc/net/snmp:RcvbufErrors` leaves the line prefix (Udp or UdpLite) open: a plain form there.
  const out = [c.key, ...(c.prefix ? [] : [`${c.file}:${c.name}`])];
  const nstat = nstatName(c);
  if (nstat) out.push(nstat);
  if (c.prefix) out.push(`${c.prefix}:${c.name}`, `${c.prefix} ${c.name}`);
  const m = c.file === '/proc/net/snmp6' ? SNMP6.exec(c.name) : null;
  if (m) out.push(`${m[1]}6:${m[2]}`, `${m[1]}6 ${m[2]}`);
  return out;
}

/** Names that leave the family or file open: the column as printed, the struct field, the file's column without its line prefix. */
function plainForms(c: NamedCounter): string[] {
  return [bareName(c), ...(c.field ? [c.field] : []), ...(c.prefix ? [`${c.file}:${c.name}`] : [])];
}

/** "UDP" for UDP and UDP-Lite: a plain name shared by one protocol's families names one counter. */
function protocolGroup(c: NamedCounter): string | undefined {
  const p = protocolOf(c);
  return p ? `${p.replace(/-Lite$/, '')} ${bareName(c)}` : undefined;
}

const famRank = (c: NamedCounter) => ['IPv4', 'IPv6', 'IPv4 and IPv6'].indexOf(familyOf(c)) + 1 || 9;
const lite = (c: NamedCounter) => (/Lite/.test(c.prefix ?? c.name) ? 1 : 0);
/** The main protocol before its -Lite variant, IPv4 before IPv6, then by key. */
const byChoice = (a: NamedCounter, b: NamedCounter) => lite(a) - lite(b) || famRank(a) - famRank(b) || a.key.localeCompare(b.key);

/**
 * The counter a command means by `query`. Exact names only, case-sensitive first, then in any
 * case: a qualified name (key, nstat, prefixed, snmp6) is its counter; a plain column or field
 * name is one counter when every counter having it is the same protocol's (IPv4 and IPv6, UDP and
 * UDP-Lite: `RcvbufErrors`), and then the defined choice is the main protocol over IPv4, the
 * others listed in `also`; when it names different protocols or files (`InCsumErrors`, `drops`)
 * it is ambiguous and nothing is chosen. A substring is never taken: it only suggests.
 */
export function resolveCounter<T extends NamedCounter>(query: string, counters: readonly T[]): CounterResolution<T> {
  const q = query.trim();
  if (!q) return { kind: 'none', suggestions: [] };
  for (const same of [(n: string) => n === q, (n: string) => n.toLowerCase() === q.toLowerCase()]) {
    const qualified = counters.filter((c) => qualifiedForms(c).some(same));
    if (qualified.length === 1) return { kind: 'one', counter: qualified[0], also: [] };
    if (qualified.length > 1) return { kind: 'ambiguous', candidates: [...qualified].sort(byChoice) };
    const plain = counters.filter((c) => plainForms(c).some(same)).sort(byChoice);
    if (!plain.length) continue;
    const group = protocolGroup(plain[0]);
    if (plain.length === 1 || (group && plain.every((c) => protocolGroup(c) === group))) return { kind: 'one', counter: plain[0], also: plain.slice(1) };
    return { kind: 'ambiguous', candidates: plain };
  }
  return { kind: 'none', suggestions: matchCounters(q, counters).slice(0, 5).map((m) => m.counter) };
}

/** The message for a name that resolves to no single counter: the candidates, or names close to it. */
export function unresolvedMessage<T extends NamedCounter>(query: string, r: Exclude<CounterResolution<T>, { kind: 'one' }>, where = 'the counter map of this tree'): string {
  const named = (c: NamedCounter) => `${c.key} (${counterTitle(c)})`;
  if (r.kind === 'ambiguous') return `counter "${query}" is ambiguous: name one of ${r.candidates.map(named).join(', ')}`;
  return `no counter named "${query}" in ${where}${r.suggestions.length ? `; names containing it: ${r.suggestions.map((c) => c.key).join(', ')}` : ''}`;
}
