// `npm run test:vscode [-- --code-server] [kernel-dir]`: the integration checks of
// test/integration/suite.ts inside a real VS Code extension host. By default through
// @vscode/test-electron, which downloads VS Code (or uses VSCODE_EXECUTABLE_PATH), so it needs
// internet or a local VS Code. With --code-server, offline: the same suite runs in the extension
// host of the cached code-server, opened in headless Chromium with the extension-test payload.
// Not part of `npm test` (test/e2e/ covers the same steps there). The extension runs from this
// checkout (extensionDevelopmentPath) on the Debian 6.1 tree, with a fresh index cache.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
const args = process.argv.slice(2);
const viaCodeServer = args.includes('--code-server');
const kernel = args.find((a) => !a.startsWith('--')) ?? path.join(process.env.NETPATH_KERNEL_CACHE ?? path.join(os.homedir(), '.cache/netpath/kernels'), 'linux-source-6.1');
if (!fs.existsSync(path.join(kernel, 'Kbuild'))) {
  console.error(`test:vscode: prerequisite missing: a kernel tree at ${kernel}; run "npm run kernels"`);
  process.exit(1);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-vscode-'));
const suite = path.join(scratch, 'suite.js');
// The extension host loads plain CommonJS: bundle the suite (and shared/protocol) with esbuild.
await esbuild.build({ entryPoints: [path.join(root, 'test/integration/suite.ts')], outfile: suite, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'warning' });
const userData = path.join(scratch, 'user-data');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'netpath.cacheDirectory': path.join(scratch, 'index-cache'),
}, null, 2));
let status = 1;
try {
  if (viaCodeServer) {
    status = await runInCodeServer();
  } else {
    await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
    extensionTestsEnv: { NETPATH_TEST_KERNEL: kernel },
    launchArgs: [kernel, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', path.join(scratch, 'extensions')],
    });
    status = 0;
  }
} catch (e) {
  console.error(`test:vscode: ${e instanceof Error ? e.message : e}`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);

/** The suite in code-server's extension host; its console lines are the extension host's. */
async function runInCodeServer() {
  const { chromium } = await import('playwright-core');
  const { ensureCodeServer, freePort, launchCodeServer, writeUserSettings } = await import('../../scripts/code-server.mjs');
  const entry = ensureCodeServer();
  writeUserSettings(userData, { 'netpath.cacheDirectory': path.join(scratch, 'index-cache') });
  const port = await freePort();
  const server = await launchCodeServer({ entry, folder: kernel, userDataDir: userData, extensionsDir: path.join(scratch, 'extensions'), port, env: { NETPATH_TEST_KERNEL: kernel } });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const line = /(?:^|\s)((?:not )?ok - [\s\S]*|\d+ of \d+ integration checks failed[\s\S]*)$/.exec(m.text());
      if (line) console.log(line[1]);
    });
    // The workbench calls window.codeAutomationExit(code) when the extension tests end.
    const exited = new Promise((resolve) => void page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(root)], ['extensionTestsPath', remote(suite)]]);
    await page.goto(`${server.url}?folder=${encodeURIComponent(kernel)}&payload=${encodeURIComponent(payload)}`);
    let timer;
    const limit = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), 420_000); });
    const code = await Promise.race([exited, limit]);
    clearTimeout(timer);
    if (code === 'timeout') throw new Error('the extension tests did not finish within 7 minutes');
    return code === 0 ? 0 : 1;
  } finally {
    await browser.close();
    await server.stop();
  }
}
