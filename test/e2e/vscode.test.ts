// netpath in a real VS Code: code-server with the extension installed from the VSIX that
// `npm run package` builds, opened on the Debian 6.1 tree, driven in headless Chromium. The index
// cache is a fresh temp folder (netpath.cacheDirectory), so the run indexes the tree for real.
// Each step leaves a screenshot in test-artifacts/e2e/. Run by scripts/run-tests.mjs after the
// other tests, or alone: npm run test:e2e.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { kernelTree } from '../helpers/kernels';
import { induceUdpDrops, udpRcvbufErrors } from './udp-drops';
import { findChannelLog, openVsCode, packageVsix, quickPickRow, runCommand, statusItem, widenSideBar, type VsCode } from '../helpers/code-server';

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

/** Waits until the active editor is `file` with the cursor on `line`. */
async function waitForEditorAt(page: Page, file: string, line: number): Promise<void> {
  const tab = page.locator('.tabs-container .tab.active');
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
    vs = await openVsCode(root, vsix);
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
    const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
    const text = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n');
    const end = text.findIndex((l, i) => i >= def && l === '}');
    const gotoDrops = text.slice(def, end).flatMap((l, i) => (/\bgoto drop;/.test(l) ? [def + 1 + i] : []));
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

  test('3. the Drop sites view lists tap_handle_frame\'s drops; clicking one jumps to its line', () => step(vs, '03', async () => {
    await reset(vs.page);
    const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
    const text = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n');
    const end = text.findIndex((l, i) => i >= def && l === '}');
    const gotoDrops = text.slice(def, end).flatMap((l, i) => (/\bgoto drop;/.test(l) ? [def + 1 + i] : []));
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

  test('4. the Receive path view from ixgbe_poll reaches __udp_queue_rcv_skb through ixgbe_clean_rx_irq, ip_rcv or ip_list_rcv, and udp_rcv', () => step(vs, '04', async () => {
    await reset(vs.page);
    await foldFileTree(vs.page, root);
    await foldPane(vs.page, 'Drop sites');
    await widenSideBar(vs.page, 640);
    await runCommand(vs.page, 'netpath: Show receive path…');
    await vs.page.locator('.quick-input-title', { hasText: 'NAPI poll functions' }).waitFor({ timeout: STEP_MS });
    await vs.page.locator('.quick-input-widget input.input').fill('ixgbe_poll');
    await quickPickRow(vs.page, 'ixgbe_poll').click({ timeout: STEP_MS });
    await vs.page.locator('.quick-input-title', { hasText: 'receive path from ixgbe_poll to' }).waitFor({ timeout: STEP_MS });
    await vs.page.locator('.quick-input-widget input.input').fill('__udp_queue_rcv_skb');
    await quickPickRow(vs.page, '__udp_queue_rcv_skb').click({ timeout: STEP_MS });
    const pane = vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Receive path' }) });
    const rows = pane.locator('.monaco-list-row');
    await rows.filter({ hasText: '→ __udp_queue_rcv_skb' }).first().waitFor({ timeout: STEP_MS });
    const labels = await rows.locator('.label-name').allInnerTexts();
    const at = (re: RegExp) => labels.findIndex((l) => re.test(l));
    // The chain a packet takes comes first: through the driver's rx routine, not napi_complete_done.
    assert.match(labels[0], /^ixgbe_poll → ixgbe_clean_rx_irq\b/, labels.join('\n'));
    const ipRcv = at(/→ ip_(list_)?rcv\b/);
    const udpRcv = at(/^ip_protocol_deliver_rcu → udp_rcv\b/);
    const end = at(/→ __udp_queue_rcv_skb\b/);
    assert.ok(ipRcv > 0 && udpRcv > ipRcv && end > udpRcv, `expected ip_rcv, then udp_rcv, then __udp_queue_rcv_skb in:\n${labels.join('\n')}`);
    await vs.screenshot('04-receive-path');
    // A hop opens its call site: the line the view names holds the call.
    const hop = rows.filter({ hasText: 'ip_protocol_deliver_rcu → udp_rcv' }).first();
    const where = /([\w/.-]+\.c):(\d+)/.exec(await hop.innerText());
    assert.ok(where, `no call site on ${await hop.innerText()}`);
    const line = Number(where[2]);
    assert.match(fs.readFileSync(path.join(root, where[1]), 'utf8').split('\n')[line - 1], /udp_rcv/);
    await hop.click();
    await waitForEditorAt(vs.page, path.basename(where[1]), line);
    await vs.screenshot('04-receive-path-call-site');
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
  test('6. the counters panel in local mode shows Udp RcvbufErrors rising under real UDP drops on loopback; clicking it lists __udp_queue_rcv_skb', () => step(vs, '06', async () => {
    await reset(vs.page);
    await runCommand(vs.page, 'netpath: Show live counters…');
    await vs.page.locator('.quick-input-title', { hasText: 'live counters of' }).waitFor({ timeout: STEP_MS });
    await quickPickRow(vs.page, 'local').click({ timeout: STEP_MS });
    // The panel is a webview: an iframe in an iframe.
    const panel = vs.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const row = panel.locator('tr', { has: panel.locator('td.name', { hasText: /^Udp\.RcvbufErrors$/ }) }).first();
    await row.waitFor({ timeout: STEP_MS });
    // Give the panel the window, as one would to watch it.
    await runCommand(vs.page, 'View: Maximize Editor Group and Hide Side Bars');
    const value = async () => Number((await row.locator('td.num').first().innerText()).replace(/[^0-9]/g, ''));
    const before = await value();
    const kernelBefore = udpRcvbufErrors();
    // Drops for 8 s; the panel samples once a second, so it sees them while they happen.
    const drops = induceUdpDrops(8000);
    try {
      await panel.locator('tr.hot', { has: panel.locator('td.name', { hasText: /^Udp\.RcvbufErrors$/ }) }).first().waitFor({ timeout: 15_000 })
        .catch(async () => assert.fail(`Udp.RcvbufErrors is not shown dropping: ${await row.innerText()}`));
      await row.scrollIntoViewIfNeeded();
      await vs.screenshot('06-counters-rising');
    } finally {
      await drops;
    }
    const after = await value();
    assert.ok(after > before, `Udp.RcvbufErrors in the panel: ${before} -> ${after}`);
    assert.ok(udpRcvbufErrors() > kernelBefore, 'the kernel counted no RcvbufErrors: the drops were not induced');
    await row.click();
    const sites = panel.locator('#sites');
    await sites.locator('h3', { hasText: 'RcvbufErrors' }).waitFor({ timeout: 2 * STEP_MS });
    await sites.locator('li', { hasText: '__udp_queue_rcv_skb' }).first().waitFor({ timeout: STEP_MS })
      .catch(async () => assert.fail(`__udp_queue_rcv_skb is not among the sites: ${await sites.innerText()}`));
    await sites.scrollIntoViewIfNeeded();
    await vs.screenshot('06-counter-sites');
    // The listed line is where the tree increments it.
    const site = /([\w/.-]+\.c):(\d+)/.exec(await sites.locator('li', { hasText: '__udp_queue_rcv_skb' }).first().innerText());
    assert.ok(site, 'no file:line on the __udp_queue_rcv_skb site');
    assert.match(fs.readFileSync(path.join(root, site[1]), 'utf8').split('\n')[Number(site[2]) - 1], /UDP_MIB_RCVBUFERRORS/);
  }));
});
