// The "Receive path" view's model: turns receivePath chains into a tree that expands hop by hop,
// chains sharing their first hops sharing those nodes. Kept free of `vscode` so it is unit-tested
// with node --test; client/src/extension.ts only maps these nodes to TreeItems.
import { callKindLabel, SOCKET_ENQUEUE_FUNCTIONS, type ReceivePathEntryPoint, type ReceivePathHop, type ReceivePathResult } from '../../shared/protocol';

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
  /** Unique within one tree, stable for the same result: the chain of hops from the root. */
  id: string;
  /** `ip_rcv → udp_rcv  (macro · 13 candidates)` */
  label: string;
  /** Where the call is: `net/ipv4/ip_input.c:205`. */
  description: string;
  tooltip: string;
  /** The call site to open when the node is clicked. */
  hop: ReceivePathHop;
  children: PathTreeNode[];
  /** Shown expanded: the nodes of the shortest chain, so it is visible at once. */
  expanded: boolean;
  /** 1-based numbers of the chains that run through this hop. */
  paths: number[];
}

export function hopLabel(h: Pick<ReceivePathHop, 'caller' | 'callee' | 'kind' | 'candidates'>): string {
  return `${h.caller} → ${h.callee}  (${callKindLabel(h.kind, h.candidates)})`;
}

/** Merges the chains into a tree, in the order the server ranked them (most likely first). */
export function buildPathTree(result: Pick<ReceivePathResult, 'paths'>): PathTreeNode[] {
  const roots: PathTreeNode[] = [];
  result.paths.forEach((hops, p) => {
    let level = roots;
    let parentId = '';
    for (const h of hops) {
      const id = `${parentId}/${h.caller}>${h.callee}@${h.file}:${h.line}`;
      let node = level.find((n) => n.id === id);
      if (!node) {
        node = {
          id, label: hopLabel(h), description: `${h.file}:${h.line}${h.cost !== undefined ? `  cost ${h.cost}` : ''}`,
          tooltip: `${h.caller} calls ${h.callee} at ${h.file}:${h.line} (${callKindLabel(h.kind, h.candidates)})` +
            (h.cost !== undefined ? `\ncost ${h.cost}${h.why ? `: ${h.why}` : ''}` : ''),
          hop: h, children: [], expanded: false, paths: [],
        };
        level.push(node);
      }
      node.paths.push(p + 1);
      if (p === 0) node.expanded = true;
      level = node.children;
      parentId = id;
    }
  });
  const settle = (nodes: PathTreeNode[]) => {
    for (const n of nodes) {
      if (!n.children.length) n.expanded = false;
      settle(n.children);
    }
  };
  settle(roots);
  return roots;
}

/** The view's message above the tree: what was searched, with which filters, and each chain's cost. */
export function pathTreeMessage(result: Pick<ReceivePathResult, 'from' | 'to' | 'paths'> & Partial<Pick<ReceivePathResult, 'costs' | 'via' | 'avoid' | 'maxCandidates'>>): string {
  const to = sameList(result.to, SOCKET_ENQUEUE_FUNCTIONS) ? 'the socket-enqueue functions' : result.to.join(', ');
  const filters = filterText(result);
  if (!result.paths.length) return `No call chain from ${result.from} to ${to}${filters} in the index.`;
  const n = result.paths.length;
  const costs = result.costs?.length ? ` (cost ${result.costs.join(', ')})` : '';
  return `${n} most likely chain${n === 1 ? '' : 's'} from ${result.from} to ${to}${filters}${costs}`;
}

export interface EndPointChoice {
  label: string;
  description?: string;
  /** End points to send; empty means the server's defaults (SOCKET_ENQUEUE_FUNCTIONS). */
  to: string[];
}

/** QuickPick choices for the end point: the defaults together first, then each one alone. */
export function endPointChoices(): EndPointChoice[] {
  return [
    { label: 'Any socket-enqueue function', description: SOCKET_ENQUEUE_FUNCTIONS.join(', '), to: [] },
    ...SOCKET_ENQUEUE_FUNCTIONS.map((name) => ({ label: name, to: [name] })),
  ];
}

/** QuickPick items for the entry points: the function, then where it is defined. */
export function entryPointChoices(entries: ReceivePathEntryPoint[]): Array<{ label: string; description: string; entry: ReceivePathEntryPoint }> {
  return entries.map((entry) => ({ label: entry.name, description: `${entry.file}:${entry.line}`, entry }));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
