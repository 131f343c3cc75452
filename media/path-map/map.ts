/// <reference lib="dom" />
// The receive-path map webview: builds the SVG the extension laid out (shared/path-map.ts) with
// DOM calls only (names come from the indexed tree: set as text, never parsed as markup), pans
// with a drag, zooms with the wheel or the buttons, and asks the extension to open what was
// clicked or to export the picture. No network, no inline script or style (see the CSP).
import type { PathMapFromWebview, PathMapToWebview } from '../../shared/protocol';
import type { SvgElement } from '../../shared/path-map';

declare function acquireVsCodeApi(): { postMessage(m: PathMapFromWebview): void };
const vscode = acquireVsCodeApi();
const post = (m: PathMapFromWebview) => vscode.postMessage(m);

const SVG_NS = 'http://www.w3.org/2000/svg';
const stage = document.getElementById('stage')!;
const title = document.getElementById('title')!;
const summary = document.getElementById('summary')!;

/** The visible part of the drawing, in its own coordinates: pan and zoom only change this. */
let view = { x: 0, y: 0, w: 1, h: 1 };
let full = { w: 1, h: 1 };
let svg: SVGSVGElement | undefined;

function build(e: SvgElement): SVGElement {
  const el = document.createElementNS(SVG_NS, e.tag);
  for (const [k, v] of Object.entries(e.attrs)) el.setAttribute(k, String(v));
  if (e.text !== undefined) el.textContent = e.text;
  for (const c of e.children ?? []) el.append(build(c));
  return el;
}

function apply() {
  svg?.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
}

/**
 * The whole drawing in the window (`all`), or its width only, from the top (the first view: a
 * chain of twenty functions fitted whole would have unreadable text); never enlarged past its
 * natural size.
 */
function fit(all = true) {
  if (!svg) return;
  const box = stage.getBoundingClientRect();
  const scale = Math.max(full.w / Math.max(box.width, 1), all ? full.h / Math.max(box.height, 1) : 0, 1);
  view = { x: 0, y: 0, w: box.width * scale, h: box.height * scale };
  view.x = (full.w - view.w) / 2;
  apply();
}

/** Zooms by `factor` (<1 zooms in) around a point given in window pixels. */
function zoom(factor: number, px?: number, py?: number) {
  if (!svg) return;
  const box = stage.getBoundingClientRect();
  const fx = px === undefined ? 0.5 : (px - box.left) / box.width;
  const fy = py === undefined ? 0.5 : (py - box.top) / box.height;
  const w = Math.min(Math.max(view.w * factor, 50), full.w * 20);
  const h = view.h * (w / view.w);
  view = { x: view.x + (view.w - w) * fx, y: view.y + (view.h - h) * fy, w, h };
  apply();
}

stage.addEventListener('wheel', (ev) => {
  ev.preventDefault();
  zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, ev.clientX, ev.clientY);
}, { passive: false });

let drag: { x: number; y: number; moved: boolean } | undefined;
stage.addEventListener('pointerdown', (ev) => {
  drag = { x: ev.clientX, y: ev.clientY, moved: false };
});
window.addEventListener('pointermove', (ev) => {
  if (!drag || !svg) return;
  const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  drag.moved = true;
  stage.classList.add('panning');
  const scale = view.w / stage.getBoundingClientRect().width;
  view.x -= dx * scale;
  view.y -= dy * scale;
  drag.x = ev.clientX;
  drag.y = ev.clientY;
  apply();
});
window.addEventListener('pointerup', (ev) => {
  const wasDrag = drag?.moved;
  drag = undefined;
  stage.classList.remove('panning');
  if (wasDrag) return;
  // A click (not the end of a pan): open what it landed on.
  const hit = (ev.target as Element | null)?.closest?.('[data-target]');
  if (hit && stage.contains(hit)) post({ type: 'open', target: Number(hit.getAttribute('data-target')) });
});

document.getElementById('zoom-in')!.addEventListener('click', () => zoom(1 / 1.25));
document.getElementById('zoom-out')!.addEventListener('click', () => zoom(1.25));
document.getElementById('fit')!.addEventListener('click', () => fit());
document.getElementById('export')!.addEventListener('click', () => post({ type: 'export' }));
window.addEventListener('resize', () => fit(false));

window.addEventListener('message', (ev: MessageEvent<PathMapToWebview>) => {
  const m = ev.data;
  if (m.type === 'empty') {
    title.textContent = 'Receive path map';
    summary.textContent = m.message;
    stage.replaceChildren();
    svg = undefined;
    return;
  }
  title.textContent = m.title;
  summary.textContent = m.summary;
  svg = build(m.svg) as SVGSVGElement;
  full = { w: Number(m.svg.attrs.width), h: Number(m.svg.attrs.height) };
  // The element fills the stage; the viewBox decides what shows.
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('preserveAspectRatio', 'xMidYMin meet');
  stage.replaceChildren(svg);
  fit(false);
});

post({ type: 'ready' });
