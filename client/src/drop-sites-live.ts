// The Drop sites view while a live drop session runs, free of `vscode`: each site row dropping now
// leads its description with the rate and reason ("412/s SOCKET_RCVBUFF · PROTO_MEM|SOCKET_RCVBUFF
// · Udp:RcvbufErrors"), its function row with the function's total, and the view's badge counts
// the sites dropping on the session's host. The badge counts every dropping site of the session,
// not only those the view lists: it is the cue to look, even when the view shows another folder.
import type { DropTreeNode } from './drop-sites-tree';
import { rateText, type SiteRate } from './live-drops-state';

const key = (uri: string, line: number) => `${uri}#${line}`;

/** The tree with live rates in the descriptions; nodes without a rate are returned as they are. */
export function withLiveRates(roots: readonly DropTreeNode[], rates: readonly SiteRate[]): DropTreeNode[] {
  if (!rates.length) return [...roots];
  const at = new Map(rates.map((r) => [key(r.uri, r.line), r]));
  const walk = (n: DropTreeNode): { node: DropTreeNode; rate: number } => {
    if (n.kind === 'site') {
      const r = n.uri && n.line ? at.get(key(n.uri, n.line)) : undefined;
      if (!r) return { node: n, rate: 0 };
      const live = `${rateText(r.rate)}/s ${r.reasons.join('|') || '-'}`;
      return { node: { ...n, description: n.description ? `${live} · ${n.description}` : live, tooltip: `${n.tooltip}\nlive: ${live}` }, rate: r.rate };
    }
    const kids = n.children.map(walk);
    const rate = kids.reduce((a, k) => a + k.rate, 0);
    const children = kids.map((k) => k.node);
    return { node: rate ? { ...n, children, description: `${rateText(rate)}/s · ${n.description}` } : { ...n, children }, rate };
  };
  return roots.map((n) => walk(n).node);
}

/** Sites of the view dropping now (their uri#line). */
export function sitesInView(roots: readonly DropTreeNode[], rates: readonly SiteRate[]): number {
  const live = new Set(rates.map((r) => key(r.uri, r.line)));
  const seen = new Set<string>();
  const walk = (n: DropTreeNode) => {
    if (n.kind === 'site' && n.uri && n.line && live.has(key(n.uri, n.line))) seen.add(key(n.uri, n.line));
    n.children.forEach(walk);
  };
  roots.forEach(walk);
  return seen.size;
}

/** TreeView.badge: how many sites drop now on the host, the total rate and how many the view lists. */
export function liveBadge(host: string, rates: readonly SiteRate[], inView: number, total: number): { value: number; tooltip: string } | undefined {
  if (!rates.length) return undefined;
  // `total` is the rate of the attributed rows: summing the sites would count an ambiguous row once per site.
  const n = rates.length;
  return { value: n, tooltip: `${n} drop site${n === 1 ? '' : 's'} dropping on ${host}: ${rateText(total)}/s (${inView ? `${inView} listed here` : 'none listed here: show the drop sites of their file'})` };
}
