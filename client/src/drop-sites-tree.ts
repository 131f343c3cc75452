// The "Drop sites" view's model: drop sites grouped folder → file → function, leaves showing the
// label or freeing call, reason and counters, with filters by counter, by reason and to functions
// on the receive path. Free of `vscode` so it is unit-tested with node --test; drop-view.ts maps
// these nodes to TreeItems.
import { possibleReasons, reasonPhrase } from '../../shared/drop-reason-text';
import { SHOW_DROP_SITES_COMMAND, type DropSiteInfo } from '../../shared/protocol';

/** View and command ids; package.json contributes exactly these (test/unit/drop-sites-tree.test.ts). */
export const DROP_SITES_VIEW = 'netpath.dropSites';
export const DROP_SITES_COMMANDS = {
  inFolder: 'netpath.showDropSitesInFolder',
  inFile: 'netpath.showDropSitesInFile',
  filterCounter: 'netpath.filterDropSitesByCounter',
  filterReason: 'netpath.filterDropSitesByReason',
  receivePathOnly: 'netpath.toggleDropSitesReceivePath',
  clearFilter: 'netpath.clearDropSitesFilter',
  explainCounter: 'netpath.explainCounter',
  showAt: SHOW_DROP_SITES_COMMAND,
} as const;

export interface DropFilter {
  counter?: string;
  reason?: string;
  receivePathOnly?: boolean;
}

export interface DropTreeNode {
  /** Unique and stable for the same sites: the path of the node. */
  id: string;
  kind: 'folder' | 'file' | 'function' | 'site';
  label: string;
  description: string;
  tooltip: string;
  /** Where a click goes: the site, or the first site of a function. */
  uri?: string;
  line?: number;
  children: DropTreeNode[];
}

export function filterSites(sites: readonly DropSiteInfo[], f: DropFilter): DropSiteInfo[] {
  return sites.filter((s) => (!f.counter || s.counters.includes(f.counter))
    && (!f.reason || possibleReasons(s).includes(f.reason))
    && (!f.receivePathOnly || s.onReceivePath === true));
}

/** `goto drop`, `kfree_skb_reason`, `++ sd->…` : what the site does. */
export function siteLabel(s: DropSiteInfo): string {
  if (s.kind === 'goto') return `${s.line}  goto ${s.label}`;
  if (s.kind === 'free') return `${s.line}  ${s.via}()${s.notAlwaysDrop ? ' (not always a drop)' : ''}`;
  return `${s.line}  counter ${s.via ?? ''}`.trimEnd();
}

/** Reason (without the common prefix) and counters. */
export function siteDescription(s: DropSiteInfo): string {
  const parts: string[] = [];
  if (possibleReasons(s).length) parts.push(reasonPhrase(s, { short: true }).replace(/^reason /, ''));
  if (s.counters.length) parts.push(s.counters.join(', '));
  return parts.join(' · ');
}

export function siteTooltip(s: DropSiteInfo): string {
  const lines = [`${s.file}:${s.line} in ${s.function}`];
  if (s.kind === 'goto') lines.push(`goto ${s.label} (label at line ${s.labelLine})`);
  if (s.condition) lines.push(`when ${s.condition}`);
  lines.push(reasonPhrase(s));
  if (s.counters.length) lines.push(`counters: ${s.counters.join(', ')}`);
  if (s.through?.length) lines.push(`through ${s.through.join(' → ')}`);
  if (s.notAlwaysDrop) lines.push('not always a drop: it consumes the skb in some contexts');
  return lines.join('\n');
}

/** Sites that pass the filter, as folder → file → function → site, each level sorted. */
export function buildDropTree(sites: readonly DropSiteInfo[], filter: DropFilter = {}): DropTreeNode[] {
  const folders = new Map<string, Map<string, Map<string, DropSiteInfo[]>>>();
  for (const s of filterSites(sites, filter)) {
    const cut = s.file.lastIndexOf('/');
    const folder = cut >= 0 ? s.file.slice(0, cut) : '.';
    let files = folders.get(folder);
    if (!files) folders.set(folder, (files = new Map()));
    let fns = files.get(s.file);
    if (!fns) files.set(s.file, (fns = new Map()));
    const list = fns.get(s.function);
    if (list) list.push(s);
    else fns.set(s.function, [s]);
  }
  const count = (n: number) => `${n} site${n === 1 ? '' : 's'}`;
  const byName = <T>(m: Map<string, T>) => [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  return byName(folders).map(([folder, files]) => {
    const fileNodes = byName(files).map(([file, fns]) => {
      const fnNodes = [...fns.entries()].sort((a, b) => a[1][0].line - b[1][0].line).map(([fn, list]) => {
        const sorted = [...list].sort((a, b) => a.line - b.line);
        const leaves = sorted.map((s) => ({
          id: `${file}#${fn}@${s.line}:${s.kind}:${s.label ?? s.via ?? ''}`, kind: 'site' as const, label: siteLabel(s), description: siteDescription(s),
          tooltip: siteTooltip(s), uri: s.uri, line: s.line, children: [],
        }));
        return { id: `${file}#${fn}`, kind: 'function' as const, label: fn, description: count(sorted.length), tooltip: `${fn} in ${file}`,
          uri: sorted[0].uri, line: sorted[0].line, children: leaves };
      });
      const n = fnNodes.reduce((a, f) => a + f.children.length, 0);
      return { id: file, kind: 'file' as const, label: file.slice(file.lastIndexOf('/') + 1), description: count(n), tooltip: file, children: fnNodes };
    });
    const n = fileNodes.reduce((a, f) => a + f.children.reduce((b, g) => b + g.children.length, 0), 0);
    return { id: `${folder}/`, kind: 'folder' as const, label: folder, description: count(n), tooltip: folder, children: fileNodes };
  });
}

/** Counter names and reasons present in the sites, for the filter pickers. */
export function counterChoices(sites: readonly DropSiteInfo[]): string[] {
  return [...new Set(sites.flatMap((s) => s.counters))].sort();
}
export function reasonChoices(sites: readonly DropSiteInfo[]): string[] {
  return [...new Set(sites.flatMap((s) => possibleReasons(s)))].sort();
}

/** The view's message: what is shown and how it is filtered. */
export function dropTreeMessage(scope: string | undefined, total: number, shown: number, f: DropFilter, filesLeftOut = 0): string {
  if (!scope) return '';
  const filters = [f.counter ? `counter ${f.counter}` : '', f.reason ? `reason ${f.reason}` : '', f.receivePathOnly ? 'receive path only' : ''].filter(Boolean);
  const left = filesLeftOut ? ` (${filesLeftOut} files left out: pick a smaller folder)` : '';
  return `${scope}: ${shown === total ? `${total}` : `${shown} of ${total}`} drop site${total === 1 ? '' : 's'}${filters.length ? `, ${filters.join(', ')}` : ''}${left}`;
}
