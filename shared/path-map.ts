// The receive-path map: the top chains of a ReceivePathResult drawn as one graph (functions as
// nodes with their file and drop sites, hops as edges labelled with kind and candidates,
// indirect hops dashed, the most likely chain emphasised), laid out by dagre. Pure: the map
// webview (through the extension), `netpath path --format svg|dot` and the export button all
// draw from the same SvgElement tree, so the CLI's picture is the editor's.
import dagre from '@dagrejs/dagre';
import { callKindLabel, type CallKind, type ReceivePathFunction, type ReceivePathLeg, type ReceivePathResult } from './protocol';

export interface MapNode {
  id: string;
  fn: ReceivePathFunction;
  /** The search's start, an end of a chain, on the most likely chain. */
  start: boolean;
  end: boolean;
  best: boolean;
}

export interface MapEdge {
  id: string;
  from: string;
  to: string;
  kind: CallKind;
  candidates?: number;
  /** Through a pointer (field, variable, registered callback, queue, or a macro choosing among several). */
  indirect: boolean;
  best: boolean;
  cost?: number;
  file: string;
  line: number;
  col: number;
  uri: string;
}

export interface PathMap { nodes: MapNode[]; edges: MapEdge[] }

/** What a click opens: a function's definition or a hop's call site. Elements name it by index (data-target). */
export interface MapTarget { uri: string; line: number; col: number; label: string }

const nodeId = (f: Pick<ReceivePathFunction, 'name' | 'file'>) => `${f.name}|${f.file}`;

/**
 * The chains of every leg merged into one graph: a function on several chains is one node, a
 * call site on several chains one edge. The most likely chain is each leg's first (for a start
 * in the middle, the way in and the way on meet at the start).
 */
export function buildPathMap(result: Pick<ReceivePathResult, 'from' | 'paths' | 'functions'> & Partial<Pick<ReceivePathResult, 'inbound'>>): PathMap {
  const nodes = new Map<string, MapNode>();
  const edges = new Map<string, MapEdge>();
  const legs: ReceivePathLeg[] = [...(result.inbound ? [result.inbound] : []), { paths: result.paths, costs: [], functions: result.functions }];
  for (const leg of legs) {
    leg.paths.forEach((hops, p) => {
      const fns = leg.functions[p];
      if (!fns || fns.length !== hops.length + 1) throw new Error(`path ${p + 1} has ${hops.length} hops but ${fns?.length ?? 0} functions`);
      const best = p === 0;
      fns.forEach((f, i) => {
        const id = nodeId(f);
        const n = nodes.get(id) ?? { id, fn: f, start: false, end: false, best: false };
        n.start ||= f.name === result.from;
        n.end ||= i === fns.length - 1;
        n.best ||= best;
        nodes.set(id, n);
      });
      hops.forEach((h, i) => {
        const from = nodeId(fns[i]), to = nodeId(fns[i + 1]);
        const id = `${from}>${to}@${h.file}:${h.line}`;
        const e = edges.get(id) ?? {
          id, from, to, kind: h.kind, ...(h.candidates !== undefined ? { candidates: h.candidates } : {}),
          indirect: h.kind !== 'direct' && !(h.kind === 'macro' && (h.candidates ?? 1) <= 1),
          best: false, ...(h.cost !== undefined ? { cost: h.cost } : {}), file: h.file, line: h.line, col: h.col, uri: h.uri,
        };
        e.best ||= best;
        edges.set(id, e);
      });
    });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** An SVG element as data: the webview builds it with DOM calls, the CLI serialises it. */
export interface SvgElement {
  tag: 'svg' | 'g' | 'rect' | 'path' | 'text' | 'title' | 'defs' | 'marker' | 'polygon';
  attrs: Record<string, string | number>;
  text?: string;
  children?: SvgElement[];
}

/** Approximate text width at the map's 12px font (the layout needs sizes before any text is drawn). */
const CHAR_W = 7.2;
const LINE_H = 15;
const PAD = 8;

function nodeLines(n: MapNode): string[] {
  const f = n.fn;
  const reasons = f.reasons.length ? `: ${f.reasons.slice(0, 2).map((r) => r.replace(/^SKB_DROP_REASON_/, '')).join(', ')}${f.reasons.length > 2 ? ` +${f.reasons.length - 2}` : ''}` : '';
  return [f.name, `${f.file}:${f.line}`, `${f.drops} drop site${f.drops === 1 ? '' : 's'}${reasons}`];
}

function edgeLabel(e: MapEdge): string {
  return callKindLabel(e.kind, e.candidates);
}

/** The laid-out map as an SVG tree, and the click targets its `data-target` attributes index. */
export function renderPathMap(map: PathMap): { svg: SvgElement; targets: MapTarget[]; width: number; height: number } {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 36, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of map.nodes) {
    const lines = nodeLines(n);
    g.setNode(n.id, { width: Math.ceil(Math.max(...lines.map((l) => l.length)) * CHAR_W + 2 * PAD), height: lines.length * LINE_H + PAD });
  }
  for (const e of map.edges) g.setEdge(e.from, e.to, { width: Math.ceil(edgeLabel(e).length * CHAR_W * 0.9), height: LINE_H, labelpos: 'r', labeloffset: 6 }, e.id);
  dagre.layout(g);

  const targets: MapTarget[] = [];
  const target = (t: MapTarget) => targets.push(t) - 1;
  const edgesOut: SvgElement[] = [];
  for (const e of map.edges) {
    const at = g.edge({ v: e.from, w: e.to, name: e.id }) as { points: Array<{ x: number; y: number }>; x: number; y: number; width: number };
    const d = at.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const t = target({ uri: e.uri, line: e.line, col: e.col, label: `${e.file}:${e.line}` });
    const tip = `${e.from.split('|')[0]} → ${e.to.split('|')[0]} at ${e.file}:${e.line} (${edgeLabel(e)}${e.cost !== undefined ? `, cost ${e.cost}` : ''})`;
    edgesOut.push({
      tag: 'g', attrs: { class: `edge${e.indirect ? ' indirect' : ''}${e.best ? ' best' : ''}`, 'data-target': t },
      children: [
        { tag: 'title', attrs: {}, text: tip },
        { tag: 'path', attrs: { d, fill: 'none', 'stroke-width': e.best ? 2.5 : 1.2, ...(e.indirect ? { 'stroke-dasharray': '6 4' } : {}), 'marker-end': e.best ? 'url(#arrow-best)' : 'url(#arrow)' } },
        // A wide transparent stroke: a 1px line is hard to click.
        { tag: 'path', attrs: { d, fill: 'none', class: 'hit', stroke: 'transparent', 'stroke-width': 10 } },
        { tag: 'text', attrs: { x: (at.x - at.width / 2).toFixed(1), y: (at.y + 4).toFixed(1), class: 'edge-label' }, text: edgeLabel(e) },
      ],
    });
  }
  const nodesOut: SvgElement[] = [];
  for (const n of map.nodes) {
    const at = g.node(n.id) as { x: number; y: number; width: number; height: number };
    const lines = nodeLines(n);
    const t = target({ uri: n.fn.uri, line: n.fn.line, col: 0, label: `${n.fn.file}:${n.fn.line}` });
    const x = at.x - at.width / 2, y = at.y - at.height / 2;
    nodesOut.push({
      tag: 'g', attrs: { class: `node${n.best ? ' best' : ''}${n.start ? ' start' : ''}${n.end ? ' end' : ''}${n.fn.drops ? ' drops' : ''}`, 'data-target': t },
      children: [
        { tag: 'title', attrs: {}, text: `${n.fn.name}, defined at ${n.fn.file}:${n.fn.line}\n${n.fn.drops} drop site${n.fn.drops === 1 ? '' : 's'}${n.fn.reasons.length ? `: ${n.fn.reasons.join(', ')}` : ''}` },
        { tag: 'rect', attrs: { x: x.toFixed(1), y: y.toFixed(1), width: at.width, height: at.height, rx: 4, 'stroke-width': n.best ? 2.5 : 1 } },
        ...lines.map((l, i): SvgElement => ({
          tag: 'text', attrs: { x: (x + PAD).toFixed(1), y: (y + PAD / 2 + LINE_H * (i + 1) - 3).toFixed(1), class: ['name', 'file', 'drops'][i] }, text: l,
        })),
      ],
    });
  }
  const { width = 0, height = 0 } = g.graph() as { width?: number; height?: number };
  const arrow = (id: string, cls: string): SvgElement => ({
    tag: 'marker', attrs: { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: cls },
    children: [{ tag: 'path', attrs: { d: 'M0,0 L10,5 L0,10 z' } }],
  });
  const svg: SvgElement = {
    tag: 'svg', attrs: { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`, width: Math.ceil(width), height: Math.ceil(height), class: 'path-map' },
    children: [{ tag: 'defs', attrs: {}, children: [arrow('arrow', 'arrow'), arrow('arrow-best', 'arrow best')] }, { tag: 'g', attrs: { class: 'edges' }, children: edgesOut }, { tag: 'g', attrs: { class: 'nodes' }, children: nodesOut }],
  };
  return { svg, targets, width, height };
}

/** Colours for an SVG file on its own (the CLI and the export); the webview uses the editor theme's instead. */
export const STANDALONE_STYLE = [
  'svg.path-map { font: 12px ui-monospace, Menlo, Consolas, monospace; background: #fff; }',
  '.node rect { fill: #f6f8fa; stroke: #57606a; }',
  '.node.best rect { fill: #ddf4ff; stroke: #0969da; }',
  '.node.drops .drops { fill: #cf222e; }',
  '.node .name { font-weight: bold; fill: #1f2328; }',
  '.node .file, .node .drops { fill: #57606a; }',
  '.edge path { stroke: #8c959f; }',
  '.edge.best path { stroke: #0969da; }',
  '.edge path.hit { stroke: transparent; }',
  '.edge-label { fill: #57606a; font-size: 10px; }',
  '.arrow path { fill: #8c959f; }',
  '.arrow.best path { fill: #0969da; }',
].join('\n');

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The tree as an SVG document; `style` goes into the document (an SVG file carries its own colours). */
export function svgText(root: SvgElement, style = STANDALONE_STYLE): string {
  const write = (e: SvgElement, depth: number): string => {
    const pad = '  '.repeat(depth);
    const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
    const inner = [
      ...(e === root && style ? [`${pad}  <style>\n${style}\n${pad}  </style>`] : []),
      ...(e.children ?? []).map((c) => write(c, depth + 1)),
    ];
    if (e.text !== undefined) return `${pad}<${e.tag}${attrs}>${escapeXml(e.text)}</${e.tag}>`;
    if (!inner.length) return `${pad}<${e.tag}${attrs}/>`;
    return `${pad}<${e.tag}${attrs}>\n${inner.join('\n')}\n${pad}</${e.tag}>`;
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write(root, 0)}\n`;
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** The same graph in Graphviz DOT, for `netpath path --format dot`. */
export function pathMapDot(map: PathMap, title: string): string {
  const out = [`digraph ${dotString(title)} {`, '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fillcolor="#f6f8fa", fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=9];'];
  for (const n of map.nodes) {
    const extra = n.best ? ', penwidth=2.5, color="#0969da", fillcolor="#ddf4ff"' : '';
    out.push(`  ${dotString(n.id)} [label=${dotString(nodeLines(n).join('\n'))}${extra}];`);
  }
  for (const e of map.edges) {
    const style = [e.indirect ? 'style=dashed' : '', e.best ? 'penwidth=2.5, color="#0969da"' : ''].filter(Boolean).join(', ');
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(edgeLabel(e))}${style ? `, ${style}` : ''}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
