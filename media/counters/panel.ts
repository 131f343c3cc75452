/// <reference lib="dom" />
// The counters webview: renders the extension's messages with DOM calls only (interface names and
// IRQ actions come from the host and may hold markup; they are only ever set as text). Sparklines
// are drawn by uPlot, bundled from npm into this script (no CDN).
import uPlot from 'uplot';
import type { CounterRowView, CounterSourceView, CountersFromWebview, CountersToWebview, CpuRowView } from '../../shared/protocol';

declare function acquireVsCodeApi(): { postMessage(m: CountersFromWebview): void };
const vscode = acquireVsCodeApi();
const post = (m: CountersFromWebview) => vscode.postMessage(m);

/** Sparklines are drawn for the first rows that moved; more charts cost more than they tell. */
const MAX_CHARTS = 80;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmtRate(r: number | null): string {
  if (r === null) return '–';
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

const header = document.getElementById('header')!;
const cpusBox = document.getElementById('cpus')!;
const sourcesBox = document.getElementById('sources')!;
const sitesBox = document.getElementById('sites')!;
document.getElementById('pick-host')!.addEventListener('click', () => post({ type: 'pickHost' }));

interface RowUi { tr: HTMLTableRowElement; value: HTMLTableCellElement; rate: HTMLTableCellElement; spark: HTMLTableCellElement; chart?: uPlot }
const rows = new Map<string, RowUi>();
const sections = new Map<string, { details: HTMLDetailsElement; summary: HTMLElement; tbody: HTMLTableSectionElement }>();
let charts = 0;

function section(src: CounterSourceView) {
  let s = sections.get(src.source);
  if (!s) {
    const details = el('details');
    details.open = ['softnet', 'snmp', 'udp', 'dev'].includes(src.source);
    const summary = el('summary');
    const table = el('table', 'counters');
    const tbody = el('tbody');
    table.append(tbody);
    details.append(summary, table);
    sourcesBox.append(details);
    s = { details, summary, tbody };
    sections.set(src.source, s);
  }
  const hot = src.rows.filter((r) => r.hot).length;
  s.summary.textContent = `${src.source} · ${src.rows.length} counters${src.status !== 'ok' ? ` · ${src.status === 'nostats' ? 'no driver stats' : src.status}` : ''}${hot ? ` · ${hot} dropping` : ''}`;
  s.summary.classList.toggle('hot', hot > 0);
  s.summary.classList.toggle('neutral', src.status === 'nostats');
  return s;
}

function updateRow(tbody: HTMLTableSectionElement, r: CounterRowView, seen: Set<string>) {
  seen.add(r.key);
  let ui = rows.get(r.key);
  if (!ui) {
    const tr = el('tr');
    const name = el('td', 'name', r.name);
    if (r.label) name.title = r.label;
    const label = el('td', 'label', r.label ?? '');
    const value = el('td', 'num');
    const rate = el('td', 'num');
    const spark = el('td', 'spark');
    tr.append(name, label, value, rate, spark);
    if (r.sitesName) {
      tr.classList.add('linked');
      tr.title = 'Show the kernel lines that increment this counter';
      tr.addEventListener('click', () => post({ type: 'showSites', key: r.key, sitesName: r.sitesName! }));
    }
    tbody.append(tr);
    ui = { tr, value, rate, spark };
    rows.set(r.key, ui);
  }
  ui.value.textContent = r.value;
  ui.rate.textContent = r.gauge ? 'level' : `${fmtRate(r.rate)}/s`;
  ui.tr.classList.toggle('hot', r.hot);
  ui.tr.classList.toggle('drop', r.drop);
  if (r.history && (ui.chart || charts < MAX_CHARTS)) {
    const xs = r.history.map((_, i) => i);
    if (!ui.chart) {
      charts++;
      ui.chart = new uPlot({
        width: 120, height: 24, pxAlign: false, cursor: { show: false }, legend: { show: false }, select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        scales: { x: { time: false } }, axes: [{ show: false }, { show: false }],
        series: [{}, { stroke: r.drop ? '#e5534b' : '#4493f8', width: 1, points: { show: false } }],
      }, [xs, r.history], ui.spark);
    } else {
      ui.chart.setData([xs, r.history]);
    }
  }
}

function renderCpus(cpus: CpuRowView[], nic: string[]) {
  cpusBox.replaceChildren();
  const table = el('table', 'cpus');
  const head = el('tr');
  for (const h of ['cpu', 'processed/s', 'dropped/s', 'time_squeeze/s', 'NET_RX/s', 'NIC IRQs/s', 'TLB shootdowns/s']) head.append(el('th', undefined, h));
  table.append(head);
  for (const c of cpus) {
    const tr = el('tr');
    tr.append(el('td', undefined, String(c.cpu)));
    for (const [v, drop] of [[c.processed, false], [c.dropped, true], [c.timeSqueeze, true], [c.netRx, false], [c.nicIrqs, false], [c.tlb, false]] as const) {
      const td = el('td', 'num', fmtRate(v));
      if (drop && (v ?? 0) > 0) td.classList.add('hot');
      tr.append(td);
    }
    table.append(tr);
  }
  cpusBox.append(el('h3', undefined, 'Per cpu'), table);
  if (nic.length) cpusBox.append(el('p', 'muted', `NIC IRQs: ${nic.join(' · ')}`));
}

function renderHeader(host: string, line: string, warning?: string, hot = false) {
  header.replaceChildren(el('strong', undefined, host), el('span', hot ? 'hot' : 'muted', ` ${line}`));
  if (warning) header.append(el('div', 'warning', `⚠ ${warning}`));
}

window.addEventListener('message', (ev: MessageEvent<CountersToWebview>) => {
  const m = ev.data;
  if (m.type === 'state') {
    if (m.state !== 'streaming') renderHeader(m.host, `${m.state}${m.message ? `: ${m.message}` : ''}`, undefined, m.state === 'failed');
    return;
  }
  if (m.type === 'sites') {
    sitesBox.replaceChildren();
    if (m.error || !m.result) {
      sitesBox.append(el('p', 'muted', `${m.key}: ${m.error ?? 'no result'}`));
      return;
    }
    sitesBox.append(el('h3', undefined, `${m.key}: ${m.result.sites.length} increment site${m.result.sites.length === 1 ? '' : 's'} (${m.result.file}${m.result.mib ? `, ${m.result.mib}` : ''})`));
    const ul = el('ul');
    for (const s of m.result.sites) {
      const a = el('a', undefined, `${s.file}:${s.line}`);
      a.href = '#';
      a.addEventListener('click', (e) => {
        e.preventDefault();
        post({ type: 'openSite', uri: s.uri, line: s.line });
      });
      const li = el('li');
      li.append(a, el('span', 'muted', ` ${s.function} · ${s.via}`));
      ul.append(li);
    }
    sitesBox.append(ul);
    return;
  }
  renderHeader(m.host, `Linux ${m.release} · up ${Math.floor(m.uptime)} s · drops ${fmtRate(m.totalDropRate)}/s${m.rebooted ? ' · rebooted' : ''}`, m.versionWarning, m.totalDropRate > 0);
  renderCpus(m.cpus, m.nicIrqNames);
  const seen = new Set<string>();
  for (const src of m.sources) {
    const s = section(src);
    for (const r of src.rows) updateRow(s.tbody, r, seen);
  }
  for (const [k, ui] of rows) {
    if (seen.has(k)) continue;
    ui.chart?.destroy();
    if (ui.chart) charts--;
    ui.tr.remove();
    rows.delete(k);
  }
});

post({ type: 'ready' });
