// The "Receive path" view's model: each receivePath chain as a flat, numbered list of hops, one
// chain after another, each function with its drop sites. Kept free of `vscode` so it is
// unit-tested with node --test; client/src/extension.ts only maps these nodes to TreeItems.
import { callKindLabel, type ReceivePathEntryPoint, type ReceivePathFunction, type ReceivePathHop, type ReceivePathLeg, type ReceivePathResult } from '../../shared/protocol';
import { SOCKET_DELIVERY } from '../../shared/receive-path-ends';

/** View and command ids; package.json contributes exactly these (test/unit/receive-path-tree.test.ts). */
export const RECEIVE_PATH_VIEW = 'netpath.receivePath';
export const RECEIVE_PATH_COMMANDS = {
  fromHere: 'netpath.showReceivePathFromHere',
  pick: 'netpath.showReceivePath',
  filter: 'netpath.filterReceivePath',
} as const;

/** The view's filters, as `netpath path --via/--avoid/--max-candidates` take them. */
export interface PathFilter { via: string[]; avoid: string[]; maxCandidates?: number }

/** "a, b c" -> ['a', 'b', 'c'], or a message naming what is not a function name. */
export function parseNames(text: string): string[] | string {
  const list = text.split(/[\s,]+/).filter(Boolean);
  const bad = list.find((n) => !/^[A-Za-z_]\w*$/.test(n));
  return bad ? `"${bad}" is not a function name` : list;
}

/** How the filters read in the view's message: ` via ip_rcv, avoiding x, at most 8 candidates a hop`. */
export function filterText(f: Partial<PathFilter>): string {
  return [
    f.via?.length ? ` via ${f.via.join(', ')}` : '',
    f.avoid?.length ? `, avoiding ${f.avoid.join(', ')}` : '',
    f.maxCandidates ? `, at most ${f.maxCandidates} candidates a hop` : '',
  ].join('');
}

export interface PathTreeNode {
  /** Unique within one tree, stable for the same result: the leg, the chain's number, the row's. */
  id: string;
  /** A chain: `Path 1 · cost 20 · ixgbe_poll → tcp_v4_do_rcv`; a hop: `3. ip_rcv → ip_rcv_finish`. */
  label: string;
  /** A hop: `ip_input.c:569 · macro · 1 candidate · cost 1 · 2 drops` (the callee's drop sites, when it has any). */
  description: string;
  tooltip: string;
  /** What a click opens: a hop's call site, the start function's definition; none for a chain's row. */
  open?: { uri: string; line: number; col: number };
  /** The hop of a hop row. */
  hop?: ReceivePathHop;
  children: PathTreeNode[];
  expanded: boolean;
}

export function hopLabel(h: Pick<ReceivePathHop, 'caller' | 'callee' | 'kind' | 'candidates'>): string {
  return `${h.caller} → ${h.callee}  (${callKindLabel(h.kind, h.candidates)})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `2 drops` (the reasons are in the tooltip); nothing for a function without drop sites, or without function data. */
function dropsText(f: ReceivePathFunction | undefined): string {
  return f?.drops ? plural(f.drops, 'drop') : '';
}

/** The file's name only: the sidebar is narrow, and the tooltip has the tree-relative path. */
const base = (file: string) => file.slice(file.lastIndexOf('/') + 1);

function functionTooltip(f: ReceivePathFunction | undefined): string {
  if (!f) return '';
  const reasons = f.reasons.length ? ` (${f.reasons.join(', ')})` : '';
  return `\n${f.name} is defined at ${f.file}:${f.line}: ${plural(f.drops, 'drop site')}${reasons}`;
}

/**
 * Each chain as a flat, numbered list of its hops, one chain after another (most likely first):
 * a chain's row names its number, cost and ends; under it the start function (row 0) and every
 * hop with its call site, kind, candidates, cost and the callee's drop sites. With `inbound`
 * (a start in the middle of the path), the chains into the start come first.
 */
export function buildPathTree(result: Pick<ReceivePathResult, 'paths'> & Partial<Pick<ReceivePathResult, 'costs' | 'functions' | 'inbound'>>): PathTreeNode[] {
  const legs: Array<{ key: string; title: string; leg: Partial<ReceivePathLeg> & Pick<ReceivePathLeg, 'paths'> }> = [];
  if (result.inbound) legs.push({ key: 'in', title: 'Into', leg: result.inbound }, { key: 'out', title: 'Onward', leg: result });
  else legs.push({ key: 'out', title: 'Path', leg: result });
  const roots: PathTreeNode[] = [];
  for (const { key, title, leg } of legs) {
    leg.paths.forEach((hops, p) => {
      if (!hops.length) return;
      const fns = leg.functions?.[p];
      const id = `${key}/${p + 1}`;
      const cost = leg.costs?.[p];
      const first = hops[0], last = hops[hops.length - 1];
      const drops = fns ? fns.reduce((a, f) => a + f.drops, 0) : undefined;
      const start = fns?.[0];
      const children: PathTreeNode[] = [{
        id: `${id}/0`, label: `0. ${first.caller}`,
        description: [start ? `${base(start.file)}:${start.line}` : '', 'start', dropsText(start)].filter(Boolean).join(' · '),
        tooltip: `${first.caller}: where the chain starts${functionTooltip(start)}`,
        ...(start ? { open: { uri: start.uri, line: start.line, col: 0 } } : {}),
        children: [], expanded: false,
      }];
      hops.forEach((h, i) => {
        const callee = fns?.[i + 1];
        children.push({
          id: `${id}/${i + 1}`, label: `${i + 1}. ${h.caller} → ${h.callee}`,
          description: [`${base(h.file)}:${h.line}`, callKindLabel(h.kind, h.candidates), h.cost !== undefined ? `cost ${h.cost}` : '', dropsText(callee)].filter(Boolean).join(' · '),
          tooltip: `${h.caller} calls ${h.callee} at ${h.file}:${h.line} (${callKindLabel(h.kind, h.candidates)})` +
            (h.cost !== undefined ? `\ncost ${h.cost}${h.why ? `: ${h.why}` : ''}` : '') + functionTooltip(callee),
          open: { uri: h.uri, line: h.line, col: h.col }, hop: h, children: [], expanded: false,
        });
      });
      roots.push({
        id, label: `${title} ${p + 1}${cost !== undefined ? ` · cost ${cost}` : ''} · ${first.caller} → ${last.callee}`,
        description: [plural(hops.length, 'hop'), drops !== undefined ? `${plural(drops, 'drop site')} on the chain` : ''].filter(Boolean).join(' · '),
        tooltip: [first.caller, ...hops.map((h) => h.callee)].join(' → '),
        children, expanded: true,
      });
    });
  }
  return roots;
}

/** What the view searched: `IPv4/IPv6 socket delivery` for the defaults, else the end points named. */
function endText(to: readonly string[]): string {
  return sameList(to, SOCKET_DELIVERY.map((e) => e.name)) ? 'IPv4/IPv6 socket delivery' : to.join(', ');
}

const costList = (costs: number[] | undefined) => (costs?.length ? ` (cost ${costs.join(', ')})` : '');

/** The view's message above the list: what was searched, with which filters, and each chain's cost. */
export function pathTreeMessage(result: Pick<ReceivePathResult, 'from' | 'to' | 'paths'> & Partial<Pick<ReceivePathResult, 'costs' | 'via' | 'avoid' | 'maxCandidates' | 'start' | 'inbound'>>): string {
  const filters = filterText(result);
  const n = result.paths.length;
  const chains = (k: number) => `${k} most likely chain${k === 1 ? '' : 's'}`;
  if (result.start === 'socket-delivery') {
    const k = result.inbound?.paths.length ?? 0;
    return k ? `${chains(k)} from NAPI poll functions to ${result.from}${filters}${costList(result.inbound?.costs)}` : `No call chain from a NAPI poll function to ${result.from}${filters} in the index.`;
  }
  if (result.start === 'other' && result.inbound) {
    const k = result.inbound.paths.length;
    const into = k ? `${chains(k)} into ${result.from} from NAPI poll functions${costList(result.inbound.costs)}` : `no chain into ${result.from} from a NAPI poll function`;
    const onward = n ? `${n} onward to ${endText(result.to)}${costList(result.costs)}` : `no chain onward to ${endText(result.to)}`;
    return `${into[0].toUpperCase()}${into.slice(1)}; ${onward}${filters}.`;
  }
  const to = endText(result.to);
  if (!n) return `No call chain from ${result.from} to ${to}${filters} in the index.`;
  return `${chains(n)} from ${result.from} to ${to}${filters}${costList(result.costs)}`;
}

export interface EndPointChoice {
  label: string;
  description?: string;
  /** End points to send; empty means the server's defaults (SOCKET_DELIVERY). */
  to: string[];
}

/** QuickPick choices for the end point: the defaults together first, then each one alone. */
export function endPointChoices(): EndPointChoice[] {
  const names = [...new Set(SOCKET_DELIVERY.map((e) => e.name))];
  return [
    { label: 'IPv4/IPv6 socket delivery', description: names.join(', '), to: [] },
    ...names.map((name) => ({ label: name, to: [name] })),
  ];
}

/** QuickPick items for the entry points: the function, then where it is defined. */
export function entryPointChoices(entries: ReceivePathEntryPoint[]): Array<{ label: string; description: string; entry: ReceivePathEntryPoint }> {
  return entries.map((entry) => ({ label: entry.name, description: `${entry.file}:${entry.line}`, entry }));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
