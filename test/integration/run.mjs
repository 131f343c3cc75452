// `npm run test:vscode`: the integration checks of test/integration/suite.ts inside a real VS Code
// extension host, through @vscode/test-electron. It downloads VS Code (or uses the one named by
// VSCODE_EXECUTABLE_PATH), so it needs internet or a local VS Code and is not part of `npm test`;
// offline, test/e2e/ drives code-server instead. The extension runs from this checkout
// (extensionDevelopmentPath) on the Debian 6.1 tree, with a fresh index cache.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
const kernel = process.argv[2] ?? path.join(process.env.NETPATH_KERNEL_CACHE ?? path.join(os.homedir(), '.cache/netpath/kernels'), 'linux-source-6.1');
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
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
    extensionTestsEnv: { NETPATH_TEST_KERNEL: kernel },
    launchArgs: [kernel, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', path.join(scratch, 'extensions')],
  });
  status = 0;
} catch (e) {
  console.error(`test:vscode: ${e instanceof Error ? e.message : e}`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
