// netpath in a real VS Code: code-server with the extension installed from the VSIX that
// `npm run package` builds, opened on the Debian 6.1 tree, driven in headless Chromium, with a
// fresh profile. The index cache is a private temp folder (netpath.cacheDirectory). In `npm test`
// it starts with a copy of the index the kernel tests left in the shared test cache (the default
// scope, checked by the server like any cache), so the run spends its time on the features, not
// on parsing the tree a third time; run alone, or with NETPATH_E2E_COLD=1, it indexes cold.
// Each step leaves a screenshot in test-artifacts/e2e/. Run by scripts/run-tests.mjs after the
// other tests, or alone: npm run test:e2e.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { IndexStore } from '../../server/src/engine/store';
import { parseScope } from '../../server/src/engine/kernel-tree';
import { baseKnowledge } from '../../server/src/engine/knowledge';
import { induceUdpDrops, udpRcvbufErrors } from './udp-drops';
import { findChannelLog, openVsCode, packageVsix, quickPickRow, runCommand, runCommandAndPick, statusItem, widenSideBar, type VsCode } from '../helpers/code-server';

/** Cold index of the net scope, with four other engineers' work on two cores: generous. */
const INDEX_READY_MS = 300_000;
const STEP_MS = 60_000;

/** 1-based line of the first line of a tree file matching `re`, from the file's text. */
function lineOf(root: string, rel: string, re: RegExp): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel}`);
  return i + 1;
}

/** The cursor line from the status bar ("Ln 318, Col 1"). */
async function cursorLine(page: Page): Promise<number> {
  const text = await page.locator('[id="status.editor.selection"]').innerText();
  const m = /Ln (\d+)/.exec(text);
  assert.ok(m, `no cursor position in the status bar: ${text}`);
  return Number(m[1]);
}

/** tap_handle_frame's definition line and its `goto drop;` lines, read from the tree. */
function tapHandleFrame(root: string): { def: number; gotoDrops: number[] } {
  const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
  const text = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n');
  const end = text.findIndex((l, i) => i >= def && l === '}');
  return { def, gotoDrops: text.slice(def, end).flatMap((l, i) => (/\bgoto drop;/.test(l) ? [def + 1 + i] : [])) };
}

/** Waits until the active editor is `file` with the cursor on `line`. */
async function waitForEditorAt(page: Page, file: string, line: number): Promise<void> {
  // The active group's tab: a step that opened a preview or a map to the side leaves two groups.
  const tab = page.locator('.editor-group-container.active .tabs-container .tab.active');
  await tab.filter({ hasText: file }).waitFor({ timeout: STEP_MS });
  await page.locator('[id="status.editor.selection"]', { hasText: `Ln ${line},` }).waitFor({ timeout: STEP_MS })
    .catch(async () => assert.fail(`expected ${file}:${line}, the cursor is on line ${await cursorLine(page)}`));
}

/** Opens a workspace symbol from the "#" quick open and returns after its editor is shown. */
async function openWorkspaceSymbol(vs: VsCode, name: string, shot?: string): Promise<void> {
  await runCommand(vs.page, 'Go to Symbol in Workspace...');
  const input = vs.page.locator('.quick-input-widget input.input');
  await input.fill(`#${name}`);
  const row = quickPickRow(vs.page, name);
  await row.waitFor({ timeout: STEP_MS });
  if (shot) await vs.screenshot(shot);
  await row.click();
}

/** Closes whatever quick input or peek is open, so each step starts from the editor. */
async function reset(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
}

/** Folds an Explorer section by its title, to give the others its height. */
async function foldPane(page: Page, title: string): Promise<void> {
  const header = page.locator('.pane-header', { hasText: title }).first();
  if ((await header.count()) && (await header.getAttribute('aria-expanded')) === 'true') await header.click();
}

/** Gives netpath's views the Explorer's height: folds the file tree section (named after the folder). */
async function foldFileTree(page: Page, root: string): Promise<void> {
  await foldPane(page, path.basename(root));
}

/** Every .log file under `dir` (the user-data folder's logs: window, extension host, output channels). */
function logFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? logFiles(p) : e.name.endsWith('.log') ? [p] : [];
  });
}

/** Runs a step; on failure, saves what the browser showed as failed-<step>.png. */
async function step(vs: VsCode, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    await vs.screenshot(`failed-${name}`).catch(() => undefined);
    throw e;
  }
}

describe('netpath in VS Code (code-server) on Linux 6.1', () => {
  let vs: VsCode;
  let root = '';

  before(async () => {
    root = kernelTree('6.1');
    const vsix = packageVsix();
    const shared = new IndexStore(root, parseScope(undefined, baseKnowledge().defaultScope), sharedCache()).dir;
    const seed = !process.env.NETPATH_E2E_COLD && fs.existsSync(path.join(shared, 'manifest.json')) ? shared : undefined;
    vs = await openVsCode(root, vsix, seed ? { seedIndex: seed } : {});
  });
  after(async () => {
    await vs?.stop();
  });

  test('the status bar reports the index ready; activation time is logged', (t) => step(vs, '00-index-ready', async () => {
    const started = Date.now();
    const status = statusItem(vs.page);
    await status.waitFor({ timeout: STEP_MS });
    await statusItem(vs.page).filter({ hasText: /netpath: [\d,]+ files/ }).waitFor({ timeout: INDEX_READY_MS })
      .catch(async () => assert.fail(`the index was not ready within ${INDEX_READY_MS / 1000} s; status bar: ${await status.innerText()}`));
    const files = Number((/netpath: ([\d,]+) files/.exec(await status.innerText()))![1].replace(/,/g, ''));
    assert.ok(files > 11000, `status bar says ${files} files`);
    await vs.screenshot('00-index-ready');
    const log = findChannelLog(vs.userDataDir);
    assert.ok(log, `no netpath output channel log under ${vs.userDataDir}/logs`);
    const text = fs.readFileSync(log, 'utf8');
    const m = /activated in (\d+) ms \(language server started in (\d+) ms\)/.exec(text);
    assert.ok(m, `no activation line in ${log}:\n${text.slice(0, 2000)}`);
    const activationMs = Number(m[1]);
    t.diagnostic(`activation: ${activationMs} ms (language server started in ${m[2]} ms); index ready ${((Date.now() - started) / 1000).toFixed(0)} s after the workbench appeared, ${files} files`);
    console.log(`e2e: netpath activation ${activationMs} ms (language server ${m[2]} ms)`);
    // Activation only starts the server: indexing runs after it, so this stays small.
    assert.ok(activationMs < 5000, `activation took ${activationMs} ms`);
  }));

  test('1. workspace symbol search finds tap_handle_frame; go to definition lands on it', () => step(vs, '01', async () => {
    await reset(vs.page);
    const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
    await openWorkspaceSymbol(vs, 'tap_handle_frame', '01-workspace-symbol');
    await waitForEditorAt(vs.page, 'tap.c', def);
    // Go to definition from the call site in macvtap.c, which registers it as an rx_handler.
    await runCommand(vs.page, 'Go to File...');
    await vs.page.locator('.quick-input-widget input.input').fill('drivers/net/macvtap.c');
    const fileRow = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'macvtap.c' }).first();
    await fileRow.waitFor({ timeout: STEP_MS });
    await fileRow.click();
    const use = lineOf(root, 'drivers/net/macvtap.c', /netdev_rx_handler_register\(dev, tap_handle_frame/);
    await runCommand(vs.page, 'Go to Line/Column...');
    const col = fs.readFileSync(path.join(root, 'drivers/net/macvtap.c'), 'utf8').split('\n')[use - 1].indexOf('tap_handle_frame') + 2;
    await vs.page.locator('.quick-input-widget input.input').fill(`:${use}:${col}`);
    await vs.page.keyboard.press('Enter');
    await waitForEditorAt(vs.page, 'macvtap.c', use);
    await runCommand(vs.page, 'Go to Definition');
    await waitForEditorAt(vs.page, 'tap.c', def);
    await vs.page.locator('.view-line', { hasText: 'tap_handle_frame(struct sk_buff **pskb)' }).first().waitFor({ timeout: STEP_MS });
    await vs.screenshot('01-go-to-definition');
  }));

  test('2. a code lens above tap_handle_frame; "Probe N drop sites" opens a SystemTap script naming module("tap") and the goto-drop lines', () => step(vs, '02', async () => {
    await reset(vs.page);
    const { def, gotoDrops } = tapHandleFrame(root);
    assert.ok(gotoDrops.length >= 2, `goto drop lines in tap_handle_frame: ${gotoDrops}`);
    await openWorkspaceSymbol(vs, 'tap_handle_frame');
    await waitForEditorAt(vs.page, 'tap.c', def);
    // The first lens waits for the drop-site engine over the whole index.
    const lens = vs.page.locator('.codelens-decoration a', { hasText: /^Probe \d+ drop sites?$/ }).first();
    await lens.waitFor({ timeout: 2 * STEP_MS });
    const lensLine = lens.locator('xpath=..');
    await vs.screenshot('02-code-lens');
    const n = Number(/Probe (\d+)/.exec(await lens.innerText())![1]);
    assert.ok(n >= gotoDrops.length, `lens says ${n} drop sites, the function has ${gotoDrops.length} goto drop lines`);
    assert.match(await lensLine.innerText(), /drop site/);
    await lens.click();
    // An untitled editor in language systemtap, with the script.
    await vs.page.locator('.tabs-container .tab.active', { hasText: /Untitled/ }).waitFor({ timeout: STEP_MS });
    await vs.page.locator('[id="status.editor.mode"]', { hasText: /systemtap/i }).waitFor({ timeout: STEP_MS });
    for (const line of gotoDrops) {
      await vs.page.locator('.view-line', { hasText: `tap.c:${line} goto drop` }).first().waitFor({ timeout: STEP_MS })
        .catch(() => assert.fail(`the script has no site "tap.c:${line} goto drop"`));
    }
    await vs.screenshot('02-probe-script');
    // module("tap") is further down: find it as a user would.
    await runCommand(vs.page, 'Find');
    await vs.page.keyboard.type('module("tap")');
    const count = vs.page.locator('.find-widget .matchesCount');
    await count.filter({ hasText: /of \d+/ }).waitFor({ timeout: STEP_MS })
      .catch(async () => assert.fail(`module("tap") not found in the script: ${await count.innerText()}`));
    await vs.screenshot('02-probe-script-module');
    await vs.page.keyboard.press('Escape');
  }));

  test('2b. the "N drop sites" lens lists each site labelled with its line, kind and reason; choosing one opens it', () => step(vs, '02b', async () => {
    await reset(vs.page);
    const { def, gotoDrops } = tapHandleFrame(root);
    await openWorkspaceSymbol(vs, 'tap_handle_frame');
    await waitForEditorAt(vs.page, 'tap.c', def);
    const lens = vs.page.locator('.codelens-decoration a', { hasText: /^\d+ drop sites?$/ }).first();
    await lens.waitFor({ timeout: 2 * STEP_MS });
    await lens.click();
    for (const line of gotoDrops) {
      await quickPickRow(vs.page, `${line}  goto drop`).waitFor({ timeout: STEP_MS }).catch(() => assert.fail(`no "${line}  goto drop" in the lens's list`));
    }
    // The first goto is the GSO segmentation error: its reason is shown beside it.
    await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: `${gotoDrops[0]}  goto drop` }).filter({ hasText: 'SKB_GSO_SEG' }).first()
      .waitFor({ timeout: STEP_MS }).catch(() => assert.fail('the GSO goto is not labelled with its reason SKB_GSO_SEG'));
    await vs.screenshot('02b-drop-sites-labelled');
    const target = gotoDrops[1];
    await quickPickRow(vs.page, `${target}  goto drop`).click();
    await waitForEditorAt(vs.page, 'tap.c', target);
  }));

  test('3. the Drop sites view lists tap_handle_frame\'s drops; clicking one jumps to its line', () => step(vs, '03', async () => {
    await reset(vs.page);
    const { def, gotoDrops } = tapHandleFrame(root);
    await openWorkspaceSymbol(vs, 'tap_handle_frame');
    await waitForEditorAt(vs.page, 'tap.c', def);
    await foldFileTree(vs.page, root);
    await foldPane(vs.page, 'Receive path');
    await widenSideBar(vs.page, 640);
    await runCommand(vs.page, 'netpath: Show drop sites in this file');
    const pane = vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Drop sites' }) });
    const fn = pane.locator('.monaco-list-row', { hasText: 'tap_handle_frame' }).first();
    await fn.waitFor({ timeout: 2 * STEP_MS });
    if ((await fn.getAttribute('aria-expanded')) !== 'true') await fn.locator('.monaco-tl-twistie').click();
    const siteRow = (line: number) => pane.locator('.monaco-list-row').filter({ has: vs.page.locator('.label-name', { hasText: new RegExp(`^${line}\\s+goto drop$`) }) }).first();
    for (const line of gotoDrops) {
      await siteRow(line).waitFor({ timeout: STEP_MS }).catch(() => assert.fail(`no "${line}  goto drop" under tap_handle_frame in the Drop sites view`));
    }
    await vs.screenshot('03-drop-sites');
    const target = gotoDrops[gotoDrops.length - 1];
    await siteRow(target).click();
    await waitForEditorAt(vs.page, 'tap.c', target);
    await vs.page.locator('.view-line', { hasText: 'goto drop;' }).first().waitFor({ timeout: STEP_MS });
    await vs.screenshot('03-drop-site-line');
  }));

  test('4. the Receive path view from ixgbe_poll: flat numbered chains to IPv4/IPv6 socket delivery, with costs and drop sites', () => step(vs, '04', async () => {
    await reset(vs.page);
    await foldFileTree(vs.page, root);
    await foldPane(vs.page, 'Drop sites');
    await widenSideBar(vs.page, 640);
    await runCommand(vs.page, 'netpath: Show receive path…');
    await vs.page.locator('.quick-input-title', { hasText: 'NAPI poll functions' }).waitFor({ timeout: STEP_MS });
    await vs.page.locator('.quick-input-widget input.input').fill('ixgbe_poll');
    await quickPickRow(vs.page, 'ixgbe_poll').click({ timeout: STEP_MS });
    await vs.page.locator('.quick-input-title', { hasText: 'receive path from ixgbe_poll to' }).waitFor({ timeout: STEP_MS });
    // The default end points: they follow the start (a NAPI poll function: IP socket delivery).
    await quickPickRow(vs.page, 'IPv4/IPv6 socket delivery').click({ timeout: STEP_MS });
    const pane = vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Receive path' }) });
    const rows = pane.locator('.monaco-list-row');
    await rows.filter({ hasText: /^Path 1 · cost/ }).first().waitFor({ timeout: 2 * STEP_MS });
    const labels = await rows.locator('.label-name').allInnerTexts();
    const delivery = ['__udp_queue_rcv_skb', 'tcp_v4_do_rcv', '__udpv6_queue_rcv_skb', 'tcp_v6_do_rcv', 'sock_queue_rcv_skb'];
    const head = /^Path 1 · cost [\d.]+ · ixgbe_poll → (\w+)$/.exec(labels[0]);
    assert.ok(head && delivery.includes(head[1]), `the first chain ends at socket delivery: ${labels.join('\n')}`);
    // Flat: row 0 is the start, then hops numbered 1, 2, ... one row each, not nested.
    assert.equal(labels[1], '0. ixgbe_poll');
    assert.match(labels[2], /^1\. ixgbe_poll → ixgbe_clean_rx_irq(_zc)?$/, labels.join('\n'));
    const end = labels.findIndex((l, i) => i > 0 && /^Path 2 /.test(l));
    const first = labels.slice(1, end > 0 ? end : undefined);
    first.slice(1).forEach((l, i) => assert.match(l, new RegExp(`^${i + 1}\\. \\w+ → \\w+$`), `hop ${i + 1}: ${l}`));
    assert.ok(first.some((l) => /→ ip(_list)?_rcv$/.test(l)) || first.some((l) => /→ ipv6(_list)?_rcv$/.test(l)), first.join('\n'));
    assert.ok(first.some((l) => / ip6?_protocol_deliver_rcu → (udp|udpv6|tcp_v4|tcp_v6)_rcv$/.test(l)), first.join('\n'));
    assert.match(first[first.length - 1], new RegExp(`→ ${head![1]}$`));
    // The list is virtual (rows out of view are not in the page): the message counts the chains.
    assert.match(await pane.locator('.message').first().innerText(), /^3 most likely chains from ixgbe_poll to IPv4\/IPv6 socket delivery \(cost [\d.]+, [\d.]+, [\d.]+\)$/);
    assert.ok(labels.some((l) => /^Path 2 · cost/.test(l)), 'chains one after another');
    // Each hop says where, how, its cost and the callee's drop sites.
    const hop = rows.filter({ hasText: /ip6?_protocol_deliver_rcu → (udp|udpv6|tcp_v4|tcp_v6)_rcv/ }).first();
    const text = await hop.innerText();
    const where = /(ip6?_input\.c):(\d+) · macro · \d+ candidates · cost [\d.]+/.exec(text);
    assert.ok(where, text);
    assert.ok((await rows.allInnerTexts()).some((t) => / · \d+ drops?$/.test(t.trim())), 'drop sites are counted beside the functions');
    await vs.screenshot('04-receive-path');
    // A hop opens its call site: the line the view names holds the call.
    const file = where[1] === 'ip_input.c' ? 'net/ipv4/ip_input.c' : 'net/ipv6/ip6_input.c';
    const line = Number(where[2]);
    assert.match(fs.readFileSync(path.join(root, file), 'utf8').split('\n')[line - 1], /INDIRECT_CALL/);
    await hop.click();
    await waitForEditorAt(vs.page, where[1], line);
    await vs.screenshot('04-receive-path-call-site');
  }));

  test('4b. the receive path map draws those chains as one graph; a click on a function opens its definition', () => step(vs, '04b', async () => {
    await reset(vs.page);
    await runCommand(vs.page, 'netpath: Show receive path map');
    const map = vs.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const node = (name: string) => map.locator('g.node', { has: map.locator('text.name', { hasText: new RegExp(`^${name}$`) }) }).first();
    await node('ixgbe_poll').waitFor({ timeout: STEP_MS });
    // The most likely chain is emphasised, from the start to its end.
    assert.match(await node('ixgbe_poll').getAttribute('class') ?? '', /\bbest\b.*\bstart\b/);
    // SVG text has no innerText: read its text content.
    const nodes = await map.locator('g.node text.name').allTextContents();
    assert.ok(nodes.includes('ixgbe_clean_rx_irq') && nodes.includes('napi_gro_receive'), nodes.join(', '));
    assert.ok(await map.locator('g.edge.indirect').count() > 0, 'indirect hops are drawn (dashed)');
    assert.ok(await map.locator('g.edge.best').count() > 10, 'the most likely chain is emphasised');
    const deliver = nodes.find((n) => /^ip6?_protocol_deliver_rcu$/.test(n))!;
    assert.ok(deliver, nodes.join(', '));
    const file = deliver === 'ip_protocol_deliver_rcu' ? 'net/ipv4/ip_input.c' : 'net/ipv6/ip6_input.c';
    const def = lineOf(root, file, new RegExp(`^void ${deliver}\\(`));
    assert.equal(await node(deliver).locator('text.file').textContent(), `${file}:${def}`);
    assert.match(await node(deliver).locator('text.drops').textContent() ?? '', /^\d+ drop sites?/);
    // Give the map the window's width, as one would to read it: it opens at its full width, from the top.
    await runCommand(vs.page, 'View: Close Primary Side Bar');
    await vs.screenshot('04b-path-map');
    await map.locator('#fit').click();
    await vs.screenshot('04b-path-map-fit');
    await node(deliver).click();
    await waitForEditorAt(vs.page, path.basename(file), def);
    await vs.screenshot('04b-path-map-definition');
    // Close the map (not every editor: the unsaved probe script of step 2 would ask to be saved).
    const tab = vs.page.locator('.tabs-container .tab', { hasText: 'Map: ixgbe_poll' });
    await tab.click();
    await runCommand(vs.page, 'View: Close Editor');
    await tab.waitFor({ state: 'detached', timeout: STEP_MS });
  }));

  test('5. the call hierarchy of udp_rcv shows the indirect edge from ip_protocol_deliver_rcu', () => step(vs, '05', async () => {
    await reset(vs.page);
    await openWorkspaceSymbol(vs, 'udp_rcv');
    await waitForEditorAt(vs.page, 'udp.c', lineOf(root, 'net/ipv4/udp.c', /^int udp_rcv\(struct sk_buff \*skb\)/));
    await runCommand(vs.page, 'Calls: Show Call Hierarchy');
    await widenSideBar(vs.page, 640);
    const view = vs.page.locator('[id="workbench.view.extension.references-view"]');
    const caller = view.locator('.monaco-list-row', { hasText: 'ip_protocol_deliver_rcu' }).first();
    await caller.waitFor({ timeout: STEP_MS });
    await vs.screenshot('05-call-hierarchy');
    const text = await caller.innerText();
    assert.match(text, /ip_protocol_deliver_rcu\s*(macro|field|registered|variable)\b/, `the edge is not labelled indirect: ${text}`);
    assert.match(text, /ip_input\.c/);
  }));
  test('6. the counters panel leads with Now dropping while a UDP socket overflows; RcvbufErrors\' sites open beside it; opening one keeps the scroll', () => step(vs, '06', async () => {
    await reset(vs.page);
    await runCommand(vs.page, 'netpath: Show live counters…');
    await vs.page.locator('.quick-input-title', { hasText: 'live counters of' }).waitFor({ timeout: STEP_MS });
    await quickPickRow(vs.page, 'local').click({ timeout: STEP_MS });
    // The panel is a webview: an iframe in an iframe (the newest webview: the map is closed, but
    // should step 4b have left it open, the counters panel opened after it).
    const panel = vs.page.locator('iframe.webview.ready').last().contentFrame().frameLocator('#active-frame');
    const named = (re: RegExp) => panel.locator('td.name', { hasText: re });
    const row = panel.locator('#sources tr', { has: named(/^Udp\.RcvbufErrors$/) }).first();
    await row.waitFor({ timeout: STEP_MS });
    // Give the panel the window, as one would to watch it.
    await runCommand(vs.page, 'View: Maximize Editor Group and Hide Side Bars');
    const value = async () => Number((await row.locator('td.num').first().innerText()).replace(/[^0-9]/g, ''));
    const before = await value();
    const kernelBefore = udpRcvbufErrors();
    // Drops for 8 s; the panel samples once a second, so it sees them while they happen.
    const drops = induceUdpDrops(8000);
    try {
      const dropping = panel.locator('#dropping tr.hot', { has: named(/^snmp · Udp\.RcvbufErrors$/) }).first();
      await dropping.waitFor({ timeout: 15_000 })
        .catch(async () => assert.fail(`Udp.RcvbufErrors is not in Now dropping: ${await panel.locator('#dropping').innerText()}`));
      // Now dropping is the first thing on the page, under the header, sorted by rate.
      const bar = (await panel.locator('#bar').boundingBox())!;
      const top = (await panel.locator('#dropping').boundingBox())!;
      const cpus = (await panel.locator('#cpus').boundingBox())!;
      assert.ok(top.y < cpus.y && top.y - (bar.y + bar.height) < 20, `Now dropping at y=${top.y} under the header at ${bar.y + bar.height}, per-cpu at y=${cpus.y}`);
      const rates = (await panel.locator('#dropping tr.hot td.num:nth-child(4)').allInnerTexts()).map((t) => Number(t.replace('/s', '')));
      assert.deepEqual(rates, [...rates].sort((a, b) => b - a), `fastest first: ${rates}`);
      assert.match(await panel.locator('#drops-link').innerText(), /^drops [\d.]+\/s$/);
      // The socket being overflowed has its own row: its address, the inode in the tooltip.
      const sock = panel.locator('#dropping tr.hot', { has: named(/^udp · 127\.0\.0\.1:\d+ drops$/) }).first();
      await sock.waitFor({ timeout: STEP_MS });
      assert.match(await sock.locator('td.name').getAttribute('title') ?? '', /^socket inode \d+, local 127\.0\.0\.1:\d+$/);
      await vs.screenshot('06-now-dropping');
      // The sparkline says its scale and window.
      await row.locator('td.range', { hasText: /^[\d.]+–[\d.]+\/s · \d+ s$/ }).waitFor({ timeout: 15_000 });
    } finally {
      await drops;
    }
    const after = await value();
    assert.ok(after > before, `Udp.RcvbufErrors in the panel: ${before} -> ${after}`);
    assert.ok(udpRcvbufErrors() > kernelBefore, 'the kernel counted no RcvbufErrors: the drops were not induced');
    // A click opens its sites in the row right under it, not at the bottom of the page.
    await row.scrollIntoViewIfNeeded();
    await row.click();
    const sites = row.locator('xpath=following-sibling::tr[1][contains(@class, "sites-row")]');
    const site = sites.locator('li', { hasText: '__udp_queue_rcv_skb' }).first();
    await site.waitFor({ timeout: 2 * STEP_MS }).catch(async () => assert.fail(`__udp_queue_rcv_skb is not among the sites under the row: ${await panel.locator('#sources').innerText()}`));
    const rowBox = (await row.boundingBox())!;
    const sitesBox = (await sites.boundingBox())!;
    assert.ok(Math.abs(sitesBox.y - (rowBox.y + rowBox.height)) < 4, `sites right under the counter: row ends at ${rowBox.y + rowBox.height}, sites at ${sitesBox.y}`);
    await vs.screenshot('06-counter-sites');
    // The listed line is where the tree increments it; opening it keeps the panel where it was.
    const where = /([\w/.-]+\.c):(\d+)/.exec(await site.innerText());
    assert.ok(where, 'no file:line on the __udp_queue_rcv_skb site');
    assert.match(fs.readFileSync(path.join(root, where[1]), 'utf8').split('\n')[Number(where[2]) - 1], /UDP_MIB_RCVBUFERRORS/);
    const scrollY = () => panel.locator('body').evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
    const scrolled = await scrollY();
    assert.ok(scrolled > 0, 'the counter is below the fold: the page is scrolled');
    await site.locator('button').click();
    await waitForEditorAt(vs.page, path.basename(where[1]), Number(where[2]));
    await vs.page.locator('.view-line', { hasText: 'UDP_MIB_RCVBUFERRORS' }).first().waitFor({ timeout: STEP_MS });
    // Not a jump to the top; a row or two of Now dropping may come or go above meanwhile
    // (Chromium's scroll anchoring absorbs most of it: 4 px measured in plain Chromium).
    const now = await scrollY();
    assert.ok(Math.abs(now - scrolled) < 60, `opening a site moved the panel from ${scrolled} to ${now}`);
    await sites.waitFor({ timeout: STEP_MS });
    await vs.screenshot('06-counter-site-opened');
  }));

  test('7. closing the counters panel stops its feed without a "Webview is disposed" error', () => step(vs, '07', async () => {
    await reset(vs.page);
    const counters = vs.page.locator('.statusbar-item[id$="netpath.counters"]');
    await counters.waitFor({ timeout: STEP_MS });
    await vs.page.locator('.tabs-container .tab', { hasText: 'Counters: local' }).first().click();
    await runCommand(vs.page, 'View: Close Editor');
    // The panel's status bar item goes when the panel is disposed.
    await counters.waitFor({ state: 'hidden', timeout: STEP_MS });
    // The extension host logs an unhandled "Webview is disposed" (a post to the closed webview);
    // its log is read after a round trip through the extension host (a netpath command's quick pick).
    await runCommand(vs.page, 'netpath: Show live counters…');
    await vs.page.locator('.quick-input-title', { hasText: 'live counters of' }).waitFor({ timeout: STEP_MS });
    await vs.page.keyboard.press('Escape');
    const logs = logFiles(path.join(vs.userDataDir, 'logs'));
    assert.ok(logs.some((f) => /exthost/.test(f)), `no extension host log among ${logs.join(', ')}`);
    const hits = logs.filter((f) => fs.readFileSync(f, 'utf8').includes('Webview is disposed'));
    assert.deepEqual(hits, [], 'a post reached the closed webview');
  }));
  test('8. Explain counter: RcvbufErrors gives IPv4 and IPv6 as labelled choices; the IPv4 one is explained from the tree', () => step(vs, '08', async () => {
    await reset(vs.page);
    await runCommand(vs.page, 'netpath: Explain counter…');
    const input = vs.page.locator('.quick-input-widget input.input');
    await input.fill('RcvbufErrors');
    await quickPickRow(vs.page, 'IPv4 UDP RcvbufErrors').waitFor({ timeout: 2 * STEP_MS });
    await quickPickRow(vs.page, 'IPv6 UDP RcvbufErrors').waitFor({ timeout: STEP_MS });
    await vs.screenshot('08-explain-counter-choices');
    await quickPickRow(vs.page, 'IPv4 UDP RcvbufErrors').click();
    // The explanation opens as a Markdown preview (a webview): its text names the reason beside the increment.
    const preview = vs.page.locator('iframe.webview.ready').last().contentFrame().frameLocator('#active-frame');
    await preview.locator('h1', { hasText: 'IPv4 UDP RcvbufErrors' }).waitFor({ timeout: 2 * STEP_MS });
    await preview.locator('code', { hasText: 'SKB_DROP_REASON_SOCKET_RCVBUFF' }).first().waitFor({ timeout: STEP_MS });
    await preview.locator('code', { hasText: '__udp_queue_rcv_skb' }).first().waitFor({ timeout: STEP_MS });
    // Its file:line references are links (relative to the page, so the preview opens them).
    await preview.locator('a', { hasText: /^net\/ipv4\/udp\.c:\d+$/ }).first().waitFor({ timeout: STEP_MS })
      .catch(() => assert.fail('the increment sites are not links'));
    await vs.screenshot('08-explain-counter');
  }));
  test('9. a header gets the same service: include/net/dst.h has hover and a lens on dst_input', () => step(vs, '09', async () => {
    await reset(vs.page);
    const line = lineOf(root, 'include/net/dst.h', /^static inline int dst_input\(struct sk_buff \*skb\)/);
    await runCommand(vs.page, 'Go to File...');
    await vs.page.locator('.quick-input-widget input.input').fill('include/net/dst.h');
    await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'dst.h' }).first().click();
    await vs.page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: 'dst.h' }).waitFor({ timeout: STEP_MS });
    await runCommand(vs.page, 'Go to Line/Column...');
    await vs.page.keyboard.type(String(line));
    await vs.page.keyboard.press('Enter');
    await waitForEditorAt(vs.page, 'dst.h', line);
    // A lens above dst_input (VS Code gave the header the language id cpp).
    const group = vs.page.locator('.editor-group-container', { has: vs.page.locator('.tab.active', { hasText: 'dst.h' }) });
    // Lenses outside the viewport stay in the page, hidden: the one shown above dst_input.
    const lens = group.locator('.codelens-decoration:visible', { hasText: 'Probe' }).first();
    await lens.waitFor({ timeout: 2 * STEP_MS }).catch(async () => assert.fail(`no netpath lens shown in include/net/dst.h; lenses: ${JSON.stringify(await group.locator('.codelens-decoration').allInnerTexts())}`));
    await vs.page.locator('.view-line', { hasText: 'static inline int dst_input(' }).first().locator('span', { hasText: 'dst_input' }).first().hover();
    await vs.page.locator('.monaco-hover', { hasText: 'dst_input' }).first().waitFor({ timeout: STEP_MS }).catch(() => assert.fail('no hover on dst_input'));
    await vs.screenshot('09-header-hover-lens');
    await reset(vs.page);
  }));

  test('10. live drops at the source line: while a UDP socket overflows, the drop line shows its rate and SOCKET_RCVBUFF', () => step(vs, '10', async () => {
    await reset(vs.page);
    await openWorkspaceSymbol(vs, '__udp_queue_rcv_skb');
    await waitForEditorAt(vs.page, 'udp.c', lineOf(root, 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/));
    await runCommand(vs.page, 'netpath: Watch drops on host…');
    await quickPickRow(vs.page, 'local').click();
    await quickPickRow(vs.page, 'As this user').click();
    const status = vs.page.locator('.statusbar-item[id$="netpath.liveDrops"]');
    await status.waitFor({ timeout: STEP_MS });
    const drops = induceUdpDrops(10000);
    try {
      // The session's first intervals with drops reach the status bar, then the line's decoration.
      await status.filter({ hasText: /drops local: [1-9]/ }).waitFor({ timeout: 2 * STEP_MS })
        .catch(async () => assert.fail(`no drop rate in the status bar: ${await status.innerText()}`));
      // An `after` decoration's text lives in a CSS rule the editor adds for it: wait for that rule.
      // (A string, run in the page: this file is compiled without the DOM's types.)
      await vs.page.waitForFunction(`[...document.styleSheets].some((sheet) => {
        try {
          return [...sheet.cssRules].some((r) => r.cssText.includes('SOCKET_RCVBUFF') && r.cssText.includes('/s'));
        } catch {
          return false;
        }
      })`, undefined, { timeout: 2 * STEP_MS }).catch(() => assert.fail('no decoration with a rate and SOCKET_RCVBUFF'));
      // The editor re-renders its lines as decorations arrive: a line found can be detached before
      // the scroll, so it is found again (bounded: 3 tries). The scroll only frames the picture.
      for (let attempt = 1; ; attempt++) {
        try {
          await vs.page.locator('.view-line', { hasText: /drop_reason\)/ }).first().scrollIntoViewIfNeeded({ timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
      await vs.screenshot('10-live-drops-decoration');
    } finally {
      await drops;
    }
    await status.click(); // stops the session
    await status.waitFor({ state: 'hidden', timeout: STEP_MS });
  }));
  test('10b. with a counters panel open and a session on its host: Drops by location leads the panel, RcvbufErrors\' increment line shows its rate; a row opens its line', () => step(vs, '10b', async () => {
    await reset(vs.page);
    const fnLine = lineOf(root, 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/);
    const text = fs.readFileSync(path.join(root, 'net/ipv4/udp.c'), 'utf8').split('\n');
    const after = (re: RegExp) => text.findIndex((l, i) => i >= fnLine && re.test(l)) + 1;
    const dropLine = after(/kfree_skb_reason\(skb, drop_reason\)|sk_skb_reason_drop\(/);
    const incLine = after(/UDP_MIB_RCVBUFERRORS/);
    await openWorkspaceSymbol(vs, '__udp_queue_rcv_skb');
    await waitForEditorAt(vs.page, 'udp.c', fnLine);
    await runCommand(vs.page, 'netpath: Show live counters…');
    await vs.page.locator('.quick-input-title', { hasText: 'live counters of' }).waitFor({ timeout: STEP_MS });
    await quickPickRow(vs.page, 'local').click({ timeout: STEP_MS });
    const panel = vs.page.locator('iframe.webview.ready').last().contentFrame().frameLocator('#active-frame');
    await panel.locator('#sources td.name', { hasText: /^Udp\.RcvbufErrors$/ }).first().waitFor({ timeout: STEP_MS });
    // The panel just opened may take the focus back and close the pick: runCommandAndPick retries.
    await runCommandAndPick(vs.page, 'netpath: Watch drops on host…', 'local');
    await quickPickRow(vs.page, 'As this user').click();
    const status = vs.page.locator('.statusbar-item[id$="netpath.liveDrops"]');
    await status.waitFor({ timeout: STEP_MS });
    // Drops in 5 s bursts until the step has seen what it waits for (bounded: 4 minutes). Run
    // alone, the step may wait for the call graph to be built before anything is attributed.
    let flooding = true;
    const drops = (async () => {
      for (const end = Date.now() + 240_000; flooding && Date.now() < end;) await induceUdpDrops(5000);
    })();
    try {
      // The row of __udp_queue_rcv_skb's free: location, line, rate, reason.
      const row = panel.locator('#by-location-table tr.openable', { has: panel.locator('td.where', { hasText: `net/ipv4/udp.c:${dropLine}` }) }).first();
      await row.waitFor({ timeout: 2 * STEP_MS })
        .catch(async () => assert.fail(`no Drops by location row at udp.c:${dropLine}: ${await panel.locator('body').innerText()}`));
      const [loc, , rate, reason] = await row.locator('td').allInnerTexts();
      assert.match(loc, /^udp_queue_rcv_one_skb\+0x[0-9a-f]+$/);
      assert.match(rate, /^[\d.]+\/s$/);
      assert.ok(Number(rate.replace('/s', '')) > 0, rate);
      assert.equal(reason, 'SOCKET_RCVBUFF');
      // First on the page, above Now dropping.
      const section = (await panel.locator('#by-location').boundingBox())!;
      const dropping = (await panel.locator('#dropping').boundingBox())!;
      assert.ok(section.y < dropping.y, `Drops by location at y=${section.y}, Now dropping at y=${dropping.y}`);
      const rates = (await panel.locator('#by-location-table tr td.num').allInnerTexts()).map((t) => Number(t.replace('/s', '')));
      assert.deepEqual(rates, [...rates].sort((a, b) => b - a), `sorted by rate: ${rates}`);
      // The increment line's decoration: the counter's rate from the counters stream (a CSS rule, as in step 10).
      await vs.page.waitForFunction(`[...document.styleSheets].some((sheet) => {
        try {
          return [...sheet.cssRules].some((r) => r.cssText.includes('/s Udp:RcvbufErrors') && r.cssText.includes('+'));
        } catch {
          return false;
        }
      })`, undefined, { timeout: 2 * STEP_MS }).catch(() => assert.fail('no decoration with the RcvbufErrors rate'));
      // The increment line and the drop line in view, the side bar closed (the Explorer's badge
      // in the activity bar counts the sites dropping), then the picture.
      // (An earlier step may have hidden it already: then the command is not offered.)
      if (await vs.page.locator('.part.sidebar').isVisible()) await runCommand(vs.page, 'View: Close Primary Side Bar');
      await vs.page.locator('.tabs-container .tab', { hasText: 'udp.c' }).first().click();
      await runCommand(vs.page, 'Go to Line/Column...');
      await vs.page.locator('.quick-input-widget input.input').fill(`:${incLine}`);
      await vs.page.keyboard.press('Enter');
      await waitForEditorAt(vs.page, 'udp.c', incLine);
      // The editor wide enough for the text at the end of its lines; the panel keeps the rest.
      // (The sash between the two editor groups, dragged 160 px to the right, as a user would.)
      const sash = (await vs.page.locator('.part.editor .monaco-sash.vertical:visible').first().boundingBox())!;
      await vs.page.mouse.move(sash.x + sash.width / 2, sash.y + sash.height / 2);
      await vs.page.mouse.down();
      await vs.page.mouse.move(sash.x + sash.width / 2 + 160, sash.y + sash.height / 2, { steps: 8 });
      await vs.page.mouse.up();
      await vs.page.mouse.move(sash.x - 300, sash.y + sash.height - 40); // off the sash: no hover highlight
      await vs.page.locator('.view-line', { hasText: 'UDP_MIB_RCVBUFERRORS' }).first().waitFor({ timeout: STEP_MS });
      await vs.screenshot('10b-drops-by-location');
      // A click opens the line in the editor beside the panel.
      await row.click();
      await waitForEditorAt(vs.page, 'udp.c', dropLine);
    } finally {
      flooding = false;
      await drops;
    }
    assert.ok(incLine > fnLine && dropLine > incLine, `udp.c: increment ${incLine}, drop ${dropLine}`);
    await status.click(); // stops the session: the section goes
    await status.waitFor({ state: 'hidden', timeout: STEP_MS });
    await panel.locator('#by-location').waitFor({ state: 'hidden', timeout: STEP_MS });
    // Closed by its tab's close button (the command palette cannot take keys while the webview has focus).
    const tab = vs.page.locator('.tabs-container .tab', { hasText: 'Counters: local' }).first();
    await tab.hover();
    await tab.locator('.codicon-close').click();
    await tab.waitFor({ state: 'detached', timeout: STEP_MS });
  }));
  test('11. an unsaved edit moves the drop sites: two lines inserted above tap_handle_frame shift its labelled sites by two', () => step(vs, '11', async () => {
    await reset(vs.page);
    const { def, gotoDrops: [firstGoto] } = tapHandleFrame(root);
    await openWorkspaceSymbol(vs, 'tap_handle_frame');
    await waitForEditorAt(vs.page, 'tap.c', def);
    await vs.page.keyboard.press('Home');
    await vs.page.keyboard.press('Enter');
    await vs.page.keyboard.press('Enter');
    await waitForEditorAt(vs.page, 'tap.c', def + 2);
    // The lens follows the buffer, not the file on disk.
    const lens = vs.page.locator('.editor-group-container.active .codelens-decoration a', { hasText: /^\d+ drop sites?$/ }).first();
    await lens.waitFor({ timeout: 2 * STEP_MS });
    await lens.click();
    await quickPickRow(vs.page, `${firstGoto + 2}  goto drop`).waitFor({ timeout: 2 * STEP_MS })
      .catch(async () => assert.fail(`the first goto is not listed at ${firstGoto + 2} after the edit: ${await vs.page.locator('.quick-input-list').innerText()}`));
    await vs.screenshot('11-unsaved-edit-moves-sites');
    await vs.page.keyboard.press('Escape');
    await runCommand(vs.page, 'File: Revert File');
    await vs.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: STEP_MS });
  }));
});
