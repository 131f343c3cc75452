// code-server (VS Code packaged for Node) for `npm start` and the end-to-end tests: installed
// offline from the npm registry into a cache folder keyed by its version, reused between runs,
// and launched with a private user-data and extensions folder.
//
// Run directly to install (or find) it: `node scripts/code-server.mjs` prints its folder.
// Its own postinstall downloads ripgrep from GitHub, which this machine cannot reach, so the
// install replays that postinstall by hand (see ../shared/notes/vscode-e2e.md).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

export function codeServerCacheDir() {
  const base = process.env.NETPATH_CODE_SERVER_CACHE
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'netpath', 'code-server');
  return path.join(base, CODE_SERVER_VERSION);
}

const STAMP = '.netpath-installed';

/** The code-server entry script, installing code-server first if the cache does not hold it. */
export function ensureCodeServer(log = (line) => console.error(line)) {
  const dir = codeServerCacheDir();
  const entry = path.join(dir, 'node_modules/code-server/out/node/entry.js');
  if (fs.existsSync(path.join(dir, STAMP)) && fs.existsSync(entry)) return entry;
  const rg = '/usr/bin/rg';
  if (!fs.existsSync(rg)) throw new Error(`prerequisite missing: ${rg} (Debian package ripgrep); run "bash scripts/setup-system.sh" as root`);
  // Build in a scratch sibling and rename at the end, so an interrupted install is never reused.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = `${dir}.partial-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'netpath-code-server', private: true }) + '\n');
  const started = Date.now();
  log(`code-server: installing ${CODE_SERVER_VERSION} into ${dir} (a few minutes, once)`);
  const npm = (cwd, args, env = {}) => {
    log(`code-server: (${path.relative(work, cwd) || '.'}) npm ${args.join(' ')}`);
    const r = spawnSync('npm', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false', ...env } });
    if (r.status !== 0) throw new Error(`code-server install: "npm ${args.join(' ')}" in ${cwd} failed (exit ${r.status}); see the output above`);
  };
  const cs = path.join(work, 'node_modules/code-server');
  const vscode = path.join(cs, 'lib/vscode');
  npm(work, ['install', '--ignore-scripts', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`]);
  npm(vscode, ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock']);
  npm(vscode, ['rebuild', '--ignore-scripts=false', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'kerberos', 'native-watchdog', '@vscode/deviceid']);
  fs.mkdirSync(path.join(vscode, 'node_modules/@vscode/ripgrep/bin'), { recursive: true });
  fs.copyFileSync(rg, path.join(vscode, 'node_modules/@vscode/ripgrep/bin/rg'));
  fs.chmodSync(path.join(vscode, 'node_modules/@vscode/ripgrep/bin/rg'), 0o755);
  const link = (target, at) => { fs.rmSync(at, { force: true }); fs.symlinkSync(target, at); };
  link('node_modules', path.join(vscode, 'node_modules.asar'));
  link('code-linux.sh', path.join(vscode, 'bin/remote-cli/code-server'));
  link('browser-linux.sh', path.join(vscode, 'bin/helpers/browser.sh'));
  npm(path.join(vscode, 'extensions'), ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock']);
  npm(work, ['rebuild', '--ignore-scripts=false', 'argon2']);
  fs.writeFileSync(path.join(work, STAMP), `${CODE_SERVER_VERSION} installed ${new Date().toISOString()}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(work, dir);
  log(`code-server: installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return entry;
}

/** code-server writes a config file (with a password of its own) on first run: keep it in the profile, not in ~/.config. */
function privateConfig(userDataDir) {
  fs.mkdirSync(userDataDir, { recursive: true });
  return ['--config', path.join(userDataDir, 'code-server.yaml')];
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Installs a VSIX into a private extensions folder with code-server's own installer, so what
 * runs is exactly what `npm run package` produced.
 */
export function installVsix(entry, vsix, userDataDir, extensionsDir) {
  const r = spawnSync(process.execPath, [entry, ...privateConfig(userDataDir), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/** User settings for a fresh profile: no trust dialog, no welcome page, plus the caller's. */
export function writeUserSettings(userDataDir, extra = {}) {
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    ...extra,
  };
  const user = path.join(userDataDir, 'User');
  fs.mkdirSync(user, { recursive: true });
  fs.writeFileSync(path.join(user, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

/**
 * Starts code-server on a folder and resolves once it listens. Resolves with its URL and a
 * stop() that ends it; rejects with its output if it exits or does not listen within 60 s.
 */
export async function launchCodeServer({ entry, folder, userDataDir, extensionsDir, port, host = '127.0.0.1', logFile, env = {}, password }) {
  // With a password (given to code-server through its environment, never on the command line,
  // which other users can read in ps), the login page asks for it; without, anyone who can
  // reach the port gets the editor and its terminal.
  const args = [entry, ...privateConfig(userDataDir), '--auth', password ? 'password' : 'none', '--bind-addr', `${host}:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, folder];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...(password ? { PASSWORD: password } : {}) } });
  const log = logFile ? fs.createWriteStream(logFile) : undefined;
  let output = '';
  const onData = (d) => { output += d; log?.write(d); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = `http://${host}:${port}/`;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`code-server did not listen on ${url} within 60 s:\n${output}`)); }, 60_000);
    const check = () => {
      if (/HTTP server listening on/.test(output)) { clearTimeout(timer); resolve(); return true; }
      return false;
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}) before listening:\n${output}`)); });
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { log?.end(); resolve(); return; }
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); log?.end(); resolve(); });
    child.kill('SIGTERM');
  });
  return { url, child, stop, output: () => output };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    ensureCodeServer();
    console.log(codeServerCacheDir());
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
