// `npm start -- [kernel-dir]`: builds the VSIX (`npm run package`), installs it into a private
// code-server profile, and serves VS Code on the kernel tree (default: the cached Debian 6.1
// tree, fetched on first use) at a loopback URL, printed. Runs until Ctrl-C.
//
// Environment: NETPATH_PORT (default 8765, else any free port), NETPATH_PROFILE (default
// ~/.cache/netpath/vscode-profile: user settings, installed extension and logs).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CODE_SERVER_VERSION, ensureCodeServer, freePort, installVsix, launchCodeServer, writeUserSettings } from './code-server.mjs';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const fail = (message) => {
  console.error(`npm start: ${message}`);
  process.exit(1);
};

let kernel = process.argv[2];
if (kernel) {
  kernel = path.resolve(kernel);
  if (!fs.statSync(kernel, { throwIfNoEntry: false })?.isDirectory()) fail(`${kernel} is not a folder`);
} else {
  const r = spawnSync('bash', ['scripts/fetch-kernels.sh', '6.1'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
  kernel = r.stdout.trim().split('\n').pop().split(' ').slice(1).join(' ');
}
// code-server needs ripgrep and its native modules' build tools (installed when root, else named).
// The list also holds what only the tests need (chromium, sshd, ...), so a missing package is a
// warning here; the code-server install names what it really lacks.
const system = spawnSync('bash', [path.join(root, 'scripts/setup-system.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (system.status !== 0) console.error('npm start: some Debian packages are missing (named above); going on, code-server needs only ripgrep and a C/C++ toolchain');

const packaged = spawnSync(process.execPath, [path.join(root, 'scripts/package.mjs')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (packaged.status !== 0) fail(`npm run package failed:\n${packaged.stdout}`);
const vsix = packaged.stdout.trim().split('\n').pop();
console.log(packaged.stdout.trim().split('\n').filter((l) => l.startsWith('package:')).join('\n'));

let entry;
try {
  entry = ensureCodeServer((line) => console.log(line));
} catch (e) {
  fail(e.message);
}
const profile = process.env.NETPATH_PROFILE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'netpath', 'vscode-profile');
const userDataDir = path.join(profile, 'user-data');
const extensionsDir = path.join(profile, 'extensions');
// The user's own settings in this profile survive; only the ones that keep a fresh profile quiet are set.
const settingsFile = path.join(userDataDir, 'User', 'settings.json');
if (!fs.existsSync(settingsFile)) writeUserSettings(userDataDir);
try {
  installVsix(entry, vsix, userDataDir, extensionsDir);
} catch (e) {
  fail(e.message);
}

const portFree = (port) => new Promise((resolve) => {
  const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
});
const wanted = Number(process.env.NETPATH_PORT ?? 8765);
const port = (await portFree(wanted)) ? wanted : await freePort();
// Loopback is reachable by every user of this machine, and code-server gives a terminal: a fresh
// random password per run (NETPATH_NO_PASSWORD=1 for none, on a machine of your own).
const password = process.env.NETPATH_NO_PASSWORD === '1' ? undefined : randomBytes(12).toString('base64url');
let server;
try {
  server = await launchCodeServer({ entry, folder: kernel, userDataDir, extensionsDir, port, password, logFile: path.join(profile, 'code-server.log') });
} catch (e) {
  fail(e.message);
}
const url = `${server.url}?folder=${encodeURIComponent(kernel)}`;
console.log(`
netpath is running in VS Code (code-server ${CODE_SERVER_VERSION}) on ${kernel}
  open: ${url}${password ? `\n  password: ${password}   (new each run)` : ''}
  (listening on loopback only; from another machine: ssh -L ${port}:127.0.0.1:${port} <this host>)
  profile: ${profile}   log: ${path.join(profile, 'code-server.log')}
Press Ctrl-C to stop.`);
let stopping = false;
const stop = async () => {
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.child.once('exit', (code) => {
  if (stopping) return;
  console.error(`npm start: code-server exited (${code}); see ${path.join(profile, 'code-server.log')}`);
  process.exit(code ?? 1);
});
