// A real OpenSSH server for the counters tests: Debian's /usr/sbin/sshd on 127.0.0.1 on a free
// port, as the current user, with generated host and user keys, its own known_hosts and an ssh
// client config that the tests pass with -F. Optionally inside a network namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { processTree } from './process-tree';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const HOST_ALIAS = 'netpath-test';

export function requireTool(file: string, pkg: string): void {
  if (!fs.existsSync(file)) throw new Error(`prerequisite missing: ${file} (Debian package ${pkg}; scripts/setup-system.sh installs it)`);
}

function keygen(file: string): void {
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr || r.error?.message}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Every process below `pid` (sshd's per-connection children call setsid, so a process group kill misses them). */
const descendants = (pid: number): number[] => processTree(pid).slice(1);

export class TestSshd {
  readonly dir: string;
  readonly port: number;
  readonly sshConfig: string;
  readonly knownHosts: string;
  private readonly hostKey: string;
  private proc: ChildProcess | undefined;
  private log = '';

  private constructor(dir: string, port: number, private readonly netns?: string) {
    this.dir = dir;
    this.port = port;
    this.hostKey = path.join(dir, 'host_ed25519');
    this.sshConfig = path.join(dir, 'ssh_config');
    this.knownHosts = path.join(dir, 'known_hosts');
  }

  /** Generates keys and configs and starts sshd; `netns` runs it inside that network namespace. */
  static async start(netns?: string): Promise<TestSshd> {
    requireTool(SSHD, 'openssh-server');
    requireTool('/usr/bin/ssh', 'openssh-client');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-sshd-'));
    const port = netns ? 2222 : await freePort();
    const d = new TestSshd(dir, port, netns);
    keygen(d.hostKey);
    const userKey = path.join(dir, 'id_ed25519');
    keygen(userKey);
    fs.copyFileSync(`${userKey}.pub`, path.join(dir, 'authorized_keys'));
    fs.writeFileSync(path.join(dir, 'sshd_config'), [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${d.hostKey}`, `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`, 'PubkeyAuthentication yes', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PermitRootLogin prohibit-password', 'LogLevel ERROR', '',
    ].join('\n'));
    fs.writeFileSync(d.sshConfig, [
      `Host ${HOST_ALIAS}`, '  HostName 127.0.0.1', `  Port ${port}`, `  User ${os.userInfo().username}`,
      `  IdentityFile ${userKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${d.knownHosts}`, '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes', '  UpdateHostKeys no', '  LogLevel ERROR', '',
    ].join('\n'));
    d.trustHostKey();
    await d.run();
    return d;
  }

  /**
   * Lets other local users log in with the same key (`user@netpath-test`): sshd reads the
   * authorized keys with the user's own rights, so the folder must be searchable and that file
   * readable by them; the private keys in it stay mode 600.
   */
  allowOtherUsers(): void {
    fs.chmodSync(this.dir, 0o711);
    fs.chmodSync(path.join(this.dir, 'authorized_keys'), 0o644);
  }

  /** known_hosts holds the current host key (as a user who checked its fingerprint would). */
  trustHostKey(): void {
    const pub = fs.readFileSync(`${this.hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    fs.writeFileSync(this.knownHosts, `[127.0.0.1]:${this.port} ${pub}\n`);
  }

  private async run(): Promise<void> {
    // Privilege separation needs this directory when sshd runs as root.
    if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const argv = [SSHD, '-D', '-e', '-f', path.join(this.dir, 'sshd_config')];
    const cmd = this.netns ? ['ip', 'netns', 'exec', this.netns, ...argv] : argv;
    const proc = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => (this.log = (this.log + s).slice(-4096)));
    // Ready when the port answers (bounded: 100 tries, 50 ms apart).
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`sshd exited (${proc.exitCode}): ${this.log}`);
      if (await this.answers()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not listen on 127.0.0.1:${this.port}: ${this.log}`);
  }

  private answers(): Promise<boolean> {
    if (this.netns) {
      const r = spawnSync('ip', ['netns', 'exec', this.netns, 'ssh-keyscan', '-p', String(this.port), '-T', '1', '127.0.0.1'], { encoding: 'utf8' });
      return Promise.resolve(r.status === 0 && r.stdout.includes('ssh-ed25519'));
    }
    return new Promise((resolve) => {
      const s = net.connect(this.port, '127.0.0.1');
      s.once('data', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    });
  }

  /** SIGKILL sshd and every session process under it: connections die mid-stream. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid) return;
    this.proc = undefined;
    // A process killed from outside (a test's kill -9) has a signalCode and no exitCode: it has closed.
    const closed = proc.exitCode === null && proc.signalCode === null ? new Promise((r) => proc.once('close', r)) : Promise.resolve();
    for (const pid of [proc.pid, ...descendants(proc.pid)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await closed;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.run();
  }

  /** A new host key, not put into known_hosts: what a man in the middle would present. */
  async changeHostKey(): Promise<void> {
    await this.kill();
    keygen(this.hostKey);
    await this.run();
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
