/// <reference lib="dom" />
// The counters webview: renders the extension's messages with DOM calls only (interface names and
// IRQ actions come from the host and may hold markup; they are only ever set as text). Sparklines
// are drawn by uPlot, bundled from npm into this script (no CDN). "Now dropping" leads the page;
// a counter's increment sites open in a row right under it, so nothing moves out of view. While a
// live drop session runs on the panel's host, "Drops by location" comes first: where the kernel
// frees packets now, by rate, each row opening its line.
import uPlot from 'uplot';
import type { CounterRowView, CounterSitesResult, CounterSourceView, CountersFromWebview, CountersToWebview, CpuRowView, DroppingRowView, LiveLocationRowView, LiveLocationsView } from '../../shared/protocol';

declare function acquireVsCodeApi(): { postMessage(m: CountersFromWebview): void };
const vscode = acquireVsCodeApi();
const post = (m: CountersFromWebview) => vscode.postMessage(m);

/** Sparklines are drawn for the first rows that moved; more charts cost more than they tell. */
const MAX_CHARTS = 80;
/** Columns of a counter row: name, label, value, rate, sparkline, its scale. */
const COLUMNS = 6;

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

/** The sparkline's scale: `0–120/s · 60 s`. */
function rangeText(r: CounterRowView): string {
  return r.history && r.min !== undefined && r.max !== undefined ? `${fmtRate(r.min)}–${fmtRate(r.max)}/s · ${r.windowS ?? r.history.length} s` : '';
}

const header = document.getElementById('header')!;
const cpusBox = document.getElementById('cpus')!;
const sourcesBox = document.getElementById('sources')!;
const droppingBox = document.getElementById('dropping')!;
const droppingTitle = document.getElementById('dropping-title')!;
const droppingNone = document.getElementById('dropping-none')!;
const droppingTable = document.getElementById('dropping-table') as HTMLTableElement;
document.getElementById('pick-host')!.addEventListener('click', () => post({ type: 'pickHost' }));

// ---- increment sites, shown in a row under the counter clicked ----

/** Open sites rows by counter key (a counter can be open in Now dropping and in its source). */
const openSites = new Map<string, Set<HTMLTableRowElement>>();
const sitesCache = new Map<string, { result?: CounterSitesResult; error?: string }>();

function fillSites(row: HTMLTableRowElement, key: string) {
  const td = row.cells[0];
  const got = sitesCache.get(key);
  if (!got) {
    td.replaceChildren(el('span', 'muted', 'finding the kernel lines that increment it…'));
    return;
  }
  if (got.error || !got.result) {
    td.replaceChildren(el('span', 'muted', got.error ?? 'no result'));
    return;
  }
  const r = got.result;
  const title = el('div', 'sites-title', `${r.sites.length} increment site${r.sites.length === 1 ? '' : 's'} of ${r.counter} (${r.file}${r.mib ? `, ${r.mib}` : ''})`);
  const ul = el('ul', 'sites');
  // A device counter comes with its interface's driver: that driver's sites, the core's, then the
  // other drivers' (hundreds for rx_dropped), which stay folded.
  const heads: Record<string, string> = r.driver
    ? { driver: `driver ${r.driver.name}`, core: 'core (every device)', other: 'other drivers' }
    : {};
  const item = (s: (typeof r.sites)[number]) => {
    // A button, not a link: nothing to navigate, so nothing can scroll the page.
    const open = el('button', 'link', `${s.file}:${s.line}`);
    open.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      post({ type: 'openSite', uri: s.uri, line: s.line });
    });
    const li = el('li');
    li.append(open, el('span', 'muted', ` ${s.function} · ${s.via}`));
    return li;
  };
  let group: string | undefined;
  let into: HTMLElement = ul;
  for (const s of r.sites) {
    if (s.group && s.group !== group && heads[s.group]) {
      group = s.group;
      const count = r.sites.filter((x) => x.group === s.group).length;
      const label = `${heads[s.group]}: ${count} site${count === 1 ? '' : 's'}`;
      if (s.group === 'other') {
        const more = el('details', 'sites-more');
        into = el('ul', 'sites');
        more.append(el('summary', 'muted', label), into);
        ul.append(more);
      } else ul.append(el('li', 'sites-group', label));
    }
    into.append(item(s));
  }
  td.replaceChildren(title, ul);
}

/** Opens the sites under `tr`, or closes them when open. */
function toggleSites(tr: HTMLTableRowElement, key: string, sitesName: string) {
  const next = tr.nextElementSibling;
  if (next instanceof HTMLTableRowElement && next.classList.contains('sites-row')) {
    next.remove();
    openSites.get(key)?.delete(next);
    tr.classList.remove('open');
    return;
  }
  const row = el('tr', 'sites-row');
  const td = el('td');
  td.colSpan = COLUMNS;
  row.append(td);
  tr.after(row);
  tr.classList.add('open');
  let set = openSites.get(key);
  if (!set) openSites.set(key, (set = new Set()));
  set.add(row);
  fillSites(row, key);
  if (!sitesCache.has(key)) post({ type: 'showSites', key, sitesName });
}

function closeSitesOf(tr: HTMLTableRowElement, key: string) {
  const next = tr.nextElementSibling;
  if (next instanceof HTMLTableRowElement && next.classList.contains('sites-row')) {
    openSites.get(key)?.delete(next);
    next.remove();
  }
}

// ---- counter rows ----

interface RowUi { tr: HTMLTableRowElement; value: HTMLTableCellElement; rate: HTMLTableCellElement; spark: HTMLTableCellElement; range: HTMLTableCellElement; chart?: uPlot }
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

function newRow(r: CounterRowView, prefix = ''): RowUi {
  const tr = el('tr');
  const name = el('td', 'name', `${prefix}${r.name}`);
  if (r.tooltip ?? r.label) name.title = r.tooltip ?? r.label!;
  const label = el('td', 'label', r.label ?? '');
  const value = el('td', 'num');
  const rate = el('td', 'num');
  const spark = el('td', 'spark');
  const range = el('td', 'range muted');
  tr.append(name, label, value, rate, spark, range);
  if (r.sitesName) {
    tr.classList.add('linked');
    tr.title = 'Show the kernel lines that increment this counter';
    tr.addEventListener('click', () => toggleSites(tr, r.key, r.sitesName!));
  }
  return { tr, value, rate, spark, range };
}

function fillRow(ui: RowUi, r: CounterRowView, chart: boolean) {
  ui.value.textContent = r.value;
  ui.rate.textContent = r.gauge ? 'level' : `${fmtRate(r.rate)}/s`;
  ui.range.textContent = rangeText(r);
  ui.tr.classList.toggle('hot', r.hot);
  ui.tr.classList.toggle('drop', r.drop);
  if (!chart || !r.history || (!ui.chart && charts >= MAX_CHARTS)) return;
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

function updateRow(tbody: HTMLTableSectionElement, r: CounterRowView, seen: Set<string>) {
  seen.add(r.key);
  let ui = rows.get(r.key);
  if (!ui) {
    ui = newRow(r);
    tbody.append(ui.tr);
    rows.set(r.key, ui);
  }
  fillRow(ui, r, true);
}

// ---- Now dropping: one tbody per counter, so a counter and its open sites move together ----

const dropping = new Map<string, { tbody: HTMLTableSectionElement; ui: RowUi }>();

function renderDropping(list: DroppingRowView[], total: number) {
  const now = new Set(list.map((r) => r.key));
  for (const [key, d] of dropping) {
    // A counter that stopped dropping leaves, unless its sites are open (then it stays, not hot).
    if (now.has(key) || d.ui.tr.classList.contains('open')) continue;
    closeSitesOf(d.ui.tr, key);
    d.tbody.remove();
    dropping.delete(key);
  }
  for (const r of list) {
    let d = dropping.get(r.key);
    if (!d) {
      const tbody = el('tbody');
      const ui = newRow(r, `${r.source} · `);
      tbody.append(ui.tr);
      dropping.set(r.key, (d = { tbody, ui }));
    }
    fillRow(d.ui, r, false);
    droppingTable.append(d.tbody);
  }
  for (const [key, d] of dropping) if (!now.has(key)) d.ui.tr.classList.remove('hot');
  droppingTitle.textContent = list.length ? `Now dropping · ${list.length} counter${list.length === 1 ? '' : 's'} · ${fmtRate(total)}/s in total` : 'Now dropping';
  droppingTitle.classList.toggle('hot', list.length > 0);
  droppingNone.hidden = list.length > 0 || dropping.size > 0;
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

function renderHeader(host: string, line: string, warning?: string, hot = false, dropRate?: number) {
  header.replaceChildren(el('strong', undefined, host), el('span', hot ? 'hot' : 'muted', ` ${line}`));
  if (dropRate !== undefined) {
    // The total links to what makes it up.
    const link = el('button', `link${dropRate > 0 ? ' hot' : ''}`, `drops ${fmtRate(dropRate)}/s`);
    link.id = 'drops-link';
    link.title = 'Show the counters dropping now';
    link.addEventListener('click', () => droppingBox.scrollIntoView({ block: 'start' }));
    header.append(' · ', link);
  }
  if (warning) header.append(el('div', 'warning', `⚠ ${warning}`));
}

// ---- Drops by location (live drop session) ----

const byLocation = document.getElementById('by-location')!;
const byLocationTitle = document.getElementById('by-location-title')!;
const byLocationTable = document.getElementById('by-location-table') as HTMLTableElement;
const freedBox = document.getElementById('freed-box') as HTMLDetailsElement;
const freedTitle = document.getElementById('freed-title')!;
const freedTable = document.getElementById('freed-table') as HTMLTableElement;

/** Rows kept by location and reason, so a click is not lost to a re-render under the pointer. */
function fillLocations(table: HTMLTableElement, list: LiveLocationRowView[]) {
  const old = new Map<string, HTMLTableRowElement>();
  for (const tr of Array.from(table.rows)) old.set(tr.dataset.key ?? '', tr);
  const keep: HTMLTableRowElement[] = [];
  for (const r of list) {
    const key = `${r.location}|${r.reason}`;
    let tr = old.get(key);
    if (!tr) {
      tr = el('tr');
      tr.dataset.key = key;
      tr.append(el('td', 'name'), el('td', 'where'), el('td', 'num'), el('td', 'label'));
      tr.addEventListener('click', () => {
        const at = tr!.dataset.uri;
        if (at) post({ type: 'openSite', uri: at, line: Number(tr!.dataset.line) });
      });
    }
    const [loc, where, rate, reason] = Array.from(tr.cells);
    loc.textContent = r.location;
    where.textContent = `→ ${r.where}`;
    rate.textContent = `${fmtRate(r.ratePerS)}/s`;
    reason.textContent = r.reason;
    tr.title = r.note;
    tr.classList.toggle('openable', !!r.open);
    if (r.open) {
      tr.dataset.uri = r.open.uri;
      tr.dataset.line = String(r.open.line);
    } else {
      delete tr.dataset.uri;
      delete tr.dataset.line;
    }
    keep.push(tr);
  }
  table.replaceChildren(...keep);
}

/**
 * The section sits above everything: when it grows or shrinks while the user is scrolled below
 * it, the page is scrolled by the same amount, so what they were reading stays where it was.
 */
function renderLocations(s: LiveLocationsView | undefined) {
  const before = byLocation.offsetHeight;
  const below = window.scrollY > byLocation.offsetTop;
  byLocation.hidden = !s;
  if (s) {
    const extra = [s.lost ? `${s.lost} events lost` : '', s.capped ? `${s.capped} sampled` : '', s.approximate ? 'lines approximate' : ''].filter(Boolean);
    byLocationTitle.textContent = `Drops by location · ${s.host} · interval ${s.seq}${extra.length ? ` · ${extra.join(' · ')}` : ''}`;
    byLocationTitle.title = s.approximate ?? '';
    fillLocations(byLocationTable, s.rows);
    if (!s.rows.length) {
      const td = el('td', 'muted', 'no drop at a site in the last interval');
      td.colSpan = 4;
      const tr = el('tr');
      tr.append(td);
      byLocationTable.replaceChildren(tr);
    }
    freedBox.hidden = !s.freed.length;
    freedTitle.textContent = `freed, probably not a drop · ${s.freed.length} location${s.freed.length === 1 ? '' : 's'}`;
    fillLocations(freedTable, s.freed);
  }
  const delta = byLocation.offsetHeight - before;
  if (below && delta) window.scrollBy(0, delta);
}

// A webview that is hidden and shown again (its editor group showed a site) may come back
// scrolled to the top: put it back where the user left it.
let hiddenAt: number | undefined;
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') hiddenAt = window.scrollY;
  else if (hiddenAt !== undefined && window.scrollY !== hiddenAt) window.scrollTo(0, hiddenAt);
});

window.addEventListener('message', (ev: MessageEvent<CountersToWebview>) => {
  const m = ev.data;
  if (m.type === 'state') {
    if (m.state !== 'streaming') renderHeader(m.host, `${m.state}${m.message ? `: ${m.message}` : ''}`, undefined, m.state === 'failed');
    return;
  }
  if (m.type === 'liveDrops') {
    renderLocations(m.session);
    return;
  }
  if (m.type === 'sites') {
    sitesCache.set(m.key, { ...(m.result ? { result: m.result } : {}), ...(m.error ? { error: m.error } : {}) });
    for (const row of openSites.get(m.key) ?? []) fillSites(row, m.key);
    // An error (no index yet) is shown, not kept: the next click asks again.
    if (m.error) sitesCache.delete(m.key);
    return;
  }
  renderHeader(m.host, `Linux ${m.release} · up ${Math.floor(m.uptime)} s${m.rebooted ? ' · rebooted' : ''}`, m.versionWarning, false, m.totalDropRate);
  renderDropping(m.dropping, m.totalDropRate);
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
    closeSitesOf(ui.tr, k);
    ui.tr.remove();
    rows.delete(k);
  }
});

post({ type: 'ready' });
