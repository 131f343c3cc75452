// The receive-path map (shared/path-map.ts): chains merged into one graph, laid out by dagre,
// drawn as an SVG tree whose click targets are the functions' definitions and the hops' call
// sites; the same picture as SVG text and DOT; the webview's HTML keeps the strict CSP.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPathMap, pathMapDot, renderPathMap, svgText, type SvgElement } from '../../shared/path-map';
import type { CallKind, ReceivePathFunction, ReceivePathHop } from '../../shared/protocol';
import { pathMapHtml } from '../../client/src/path-map-html';
import { SHOW_PATH_MAP_COMMAND } from '../../client/src/path-map-panel-id';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));

function hop(caller: string, callee: string, line: number, kind: CallKind = 'direct', candidates?: number): ReceivePathHop {
  return { caller, callee, file: 'net/ipv4/ip_input.c', line, col: 2, kind, ...(candidates !== undefined ? { candidates } : {}), cost: 1, uri: 'file:///t/net/ipv4/ip_input.c' };
}
function fn(name: string, drops = 0, reasons: string[] = []): ReceivePathFunction {
  return { name, file: 'net/ipv4/ip_input.c', line: name.length * 10, uri: 'file:///t/net/ipv4/ip_input.c', drops, reasons };
}
const fns = (hops: ReceivePathHop[]) => [hops[0].caller, ...hops.map((h) => h.callee)].map((n) => fn(n, n === 'ip_rcv_core' ? 3 : 0, n === 'ip_rcv_core' ? ['SKB_DROP_REASON_IP_CSUM', 'SKB_DROP_REASON_IP_INHDR', 'SKB_DROP_REASON_PKT_TOO_SMALL'] : []));

const first = [hop('ip_rcv', 'ip_rcv_core', 560), hop('ip_rcv_core', 'ip_rcv_finish', 569, 'macro', 1), hop('ip_rcv_finish', 'dst_input', 449), hop('dst_input', 'ip_local_deliver', 466, 'macro', 12)];
const second = [hop('ip_rcv', 'ip_rcv_core', 560), hop('ip_rcv_core', 'ip_rcv_finish', 569, 'macro', 1), hop('ip_rcv_finish', 'ip_forward', 470, 'field', 3)];
const result = { from: 'ip_rcv', paths: [first, second], functions: [fns(first), fns(second)] };

const all = (e: SvgElement): SvgElement[] => [e, ...(e.children ?? []).flatMap(all)];

test('chains merge into one graph: shared functions and call sites once, indirect hops marked, the first chain emphasised', () => {
  const map = buildPathMap(result);
  assert.deepEqual(map.nodes.map((n) => n.fn.name), ['ip_rcv', 'ip_rcv_core', 'ip_rcv_finish', 'dst_input', 'ip_local_deliver', 'ip_forward']);
  assert.equal(map.edges.length, 5);
  const edge = (to: string) => map.edges.find((e) => e.to.startsWith(`${to}|`))!;
  assert.equal(edge('ip_rcv_finish').indirect, false, 'a macro with one candidate is a direct call in effect');
  assert.equal(edge('ip_local_deliver').indirect, true);
  assert.equal(edge('ip_forward').indirect, true);
  assert.equal(edge('ip_local_deliver').best, true);
  assert.equal(edge('ip_forward').best, false);
  assert.deepEqual(map.nodes.filter((n) => n.end).map((n) => n.fn.name), ['ip_local_deliver', 'ip_forward']);
  assert.deepEqual(map.nodes.filter((n) => n.start).map((n) => n.fn.name), ['ip_rcv']);
  assert.throws(() => buildPathMap({ from: 'x', paths: [first], functions: [[fn('ip_rcv')]] }), /4 hops but 1 functions/);
});

test('the chains into a middle start and onward from it meet at the start', () => {
  const into = [hop('process_backlog', 'ip_rcv', 5)];
  const map = buildPathMap({ ...result, inbound: { paths: [into], costs: [1], functions: [fns(into)] } });
  assert.equal(map.nodes.filter((n) => n.fn.name === 'ip_rcv').length, 1);
  assert.ok(map.edges.find((e) => e.from.startsWith('process_backlog|'))!.best);
});

test('the drawing: every function a box with its file and drop sites, every hop a labelled edge, each opening its code', () => {
  const { svg, targets, width, height } = renderPathMap(buildPathMap(result));
  assert.ok(width > 100 && height > 200, `${width} x ${height}`);
  const els = all(svg);
  const nodes = els.filter((e) => /^node( |$)/.test(String(e.attrs.class)));
  const edges = els.filter((e) => /^edge( |$)/.test(String(e.attrs.class)));
  assert.equal(nodes.length, 6);
  assert.equal(edges.length, 5);
  const texts = (e: SvgElement) => all(e).filter((x) => x.tag === 'text').map((x) => x.text);
  const core = nodes.find((n) => texts(n)[0] === 'ip_rcv_core')!;
  assert.deepEqual(texts(core), ['ip_rcv_core', 'net/ipv4/ip_input.c:110', '3 drop sites: IP_CSUM, IP_INHDR +1']);
  assert.match(String(core.attrs.class), /\bdrops\b/);
  // Indirect hops are dashed, the most likely chain is thicker.
  const line = (e: SvgElement) => e.children!.find((c) => c.tag === 'path' && c.attrs.class !== 'hit')!;
  const dashed = edges.filter((e) => line(e).attrs['stroke-dasharray']).map((e) => texts(e)[0]);
  assert.deepEqual(dashed.sort(), ['field · 3 candidates', 'macro · 12 candidates']);
  assert.ok(edges.filter((e) => /best/.test(String(e.attrs.class))).every((e) => line(e).attrs['stroke-width'] === 2.5));
  // Each click target is real: a node opens its definition, an edge its call site.
  for (const e of [...nodes, ...edges]) assert.ok(targets[Number(e.attrs['data-target'])], `target ${e.attrs['data-target']}`);
  assert.deepEqual(targets[Number(core.attrs['data-target'])], { uri: 'file:///t/net/ipv4/ip_input.c', line: 110, col: 0, label: 'net/ipv4/ip_input.c:110' });
  const fwd = edges.find((e) => texts(e)[0] === 'field · 3 candidates')!;
  assert.deepEqual(targets[Number(fwd.attrs['data-target'])], { uri: 'file:///t/net/ipv4/ip_input.c', line: 470, col: 2, label: 'net/ipv4/ip_input.c:470' });
  // Boxes do not overlap.
  const boxes = nodes.map((n) => n.children!.find((c) => c.tag === 'rect')!.attrs).map((r) => ({ x: Number(r.x), y: Number(r.y), w: Number(r.width), h: Number(r.height) }));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `boxes ${i} and ${j} overlap`);
    }
  }
});

test('SVG text: a standalone document with its colours, names escaped', () => {
  const text = svgText(renderPathMap(buildPathMap(result)).svg);
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(text, /<style>\n[^<]*\.node rect \{/);
  assert.equal((text.match(/<g class="node[ "]/g) ?? []).length, 6);
  const odd = svgText({ tag: 'svg', attrs: { title: 'a"b' }, children: [{ tag: 'text', attrs: {}, text: '<script>&' }] }, '');
  assert.match(odd, /title="a&quot;b"/);
  assert.match(odd, /<text>&lt;script&gt;&amp;<\/text>/);
});

test('DOT: the same nodes and edges, indirect dashed, the first chain bold', () => {
  const dot = pathMapDot(buildPathMap(result), 'ip_rcv -> ip_local_deliver');
  assert.match(dot, /^digraph "ip_rcv -> ip_local_deliver" \{/);
  assert.equal((dot.match(/ \[label=/g) ?? []).length, 6 + 5);
  assert.match(dot, /"ip_rcv_finish\|net\/ipv4\/ip_input.c" -> "ip_forward\|net\/ipv4\/ip_input.c" \[label="field · 3 candidates", style=dashed\];/);
  assert.match(dot, /"dst_input\|net\/ipv4\/ip_input.c" -> "ip_local_deliver\|net\/ipv4\/ip_input.c" \[label="macro · 12 candidates", style=dashed, penwidth=2.5/);
  assert.match(dot, /label="ip_rcv_core\\nnet\/ipv4\/ip_input.c:110\\n3 drop sites: IP_CSUM, IP_INHDR \+1"/);
});

test('map webview: strict CSP with a nonce, the script and style from the webview source only', () => {
  const html = pathMapHtml({ cspSource: 'vscode-webview://x', script: 'vscode-webview://x/map.js', style: 'vscode-webview://x/map.css' }, 'N0NCE');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0NCE'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.match(html, /<script nonce="N0NCE" src="vscode-webview:\/\/x\/map\.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.doesNotMatch(html, /style=/);
});

test('package.json contributes the map command on the Receive path view; the webview is type-checked', () => {
  const c = (manifest.contributes.commands as Array<{ command: string; title: string; category: string }>).find((x) => x.command === SHOW_PATH_MAP_COMMAND);
  assert.equal(c && `${c.category}: ${c.title}`, 'netpath: Show receive path map');
  assert.ok(manifest.contributes.menus['view/title'].some((m: { command: string; when: string }) => m.command === SHOW_PATH_MAP_COMMAND && m.when === 'view == netpath.receivePath'));
  assert.match(manifest.scripts.typecheck, /media\/path-map/);
});
