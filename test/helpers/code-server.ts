// A real VS Code for end-to-end tests: code-server (cached by scripts/code-server.mjs) with the
// extension installed from the VSIX that `npm run package` builds, driven in Debian's headless
// Chromium through playwright-core. Fresh profile, extensions folder and index cache per run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ensureCodeServer, freePort, installVsix, launchCodeServer, writeUserSettings, type CodeServer } from '../../scripts/code-server.mjs';

const ROOT = path.join(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
const CHROMIUM = '/usr/bin/chromium';

/** Builds the VSIX with `npm run package` and returns its path (the script prints it last). */
export function packageVsix(): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const vsix = r.stdout.trim().split('\n').pop()!;
  if (!fs.existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}:\n${r.stdout}`);
  return vsix;
}

export interface VsCode {
  page: Page;
  url: string;
  /** The private user-data folder (logs live under logs/). */
  userDataDir: string;
  /** The index cache handed to the extension through netpath.cacheDirectory. */
  cacheDir: string;
  /** Saves a screenshot under test-artifacts/e2e/ and returns its path. */
  screenshot(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Launches code-server on `folder` with the VSIX installed, and a browser page on it. `seedIndex`:
 * an index folder (<cache>/index/<key>) copied into the private cache first, so the extension
 * opens that index warm instead of parsing the tree again.
 */
export async function openVsCode(folder: string, vsix: string, opts: { seedIndex?: string } = {}): Promise<VsCode> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`prerequisite missing: ${CHROMIUM} (Debian package chromium); run "bash scripts/setup-system.sh" as root`);
  const entry = ensureCodeServer();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-e2e-'));
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  // NETPATH_E2E_CACHE keeps the index between runs while working on the suite itself; by
  // default every run has a private cache (seeded or empty).
  const cacheDir = process.env.NETPATH_E2E_CACHE ?? path.join(scratch, 'index-cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  if (opts.seedIndex) fs.cpSync(opts.seedIndex, path.join(cacheDir, 'index', path.basename(opts.seedIndex)), { recursive: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  installVsix(entry, vsix, userDataDir, extensionsDir);
  writeUserSettings(userDataDir, {
    'netpath.cacheDirectory': cacheDir,
    'netpath.trace.server': 'messages',
    'workbench.colorTheme': 'Default Light Modern',
    'window.commandCenter': false,
    'editor.minimap.enabled': false,
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  });
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await launchCodeServer({ entry, folder, userDataDir, extensionsDir, port: await freePort(), logFile: path.join(ARTIFACTS, 'code-server.log') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${server.url}?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const s = server;
    const b = browser;
    return {
      page, url: server.url, userDataDir, cacheDir,
      async screenshot(name) {
        const file = path.join(ARTIFACTS, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async stop() {
        // Keep the extension's own log next to the screenshots.
        const channel = findChannelLog(userDataDir);
        if (channel) fs.copyFileSync(channel, path.join(ARTIFACTS, 'netpath-output.log'));
        await b.close().catch(() => undefined);
        await s.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
}

/** Runs a command by its title from the command palette. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  // Right after a click into a webview (a panel's tab), the webview can take the focus back and
  // the palette that F1 opened closes again before it is typed into: then F1 once more (bounded).
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  await quickPickRow(page, title).click({ timeout: 30_000 });
}

/**
 * Runs a command that opens a quick pick and clicks its row `label`. A webview that had the
 * focus (a counters panel just opened, still loading) can take it back and close the pick before
 * the click: its row stays in the page, hidden. Then the command runs once more (bounded: 3).
 */
export async function runCommandAndPick(page: Page, title: string, label: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    const row = page.locator('.quick-input-widget:visible .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactLabel(label) }) }).first();
    try {
      await row.click({ timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

function exactLabel(label: string): RegExp {
  return new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** A quick-pick row whose label is exactly `label`. */
export function quickPickRow(page: Page, label: string): Locator {
  return page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactLabel(label) }) }).first();
}

/** Drags the side bar's sash so tree labels are readable in screenshots, as a user would. */
export async function widenSideBar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || Math.abs(box.width - width) < 10) return;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
}

/** The netpath status bar item (its text comes from client/src/status-text.ts). */
export function statusItem(page: Page): Locator {
  return page.locator('#netpath\\.netpath\\.netpath\\.status, .statusbar-item[id$="netpath.status"]').first();
}

/** The first log file of the extension's "netpath" output channel under the user-data folder. */
export function findChannelLog(userDataDir: string): string | undefined {
  const logs = path.join(userDataDir, 'logs');
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || !fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      // The netpath channel, not the client's LSP message trace ("netpath LSP messages").
      else if (/netpath.*\.log$/.test(e.name) && !/code-server|LSP messages/.test(e.name)) found.push(p);
    }
  };
  walk(logs, 0);
  return found.sort()[0];
}
