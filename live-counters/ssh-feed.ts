// Remote mode: ONE long-lived `ssh -T -o BatchMode=yes <host> sh -s` per host, the fixed script on
// its stdin, snapshots read from its stdout. System OpenSSH brings ~/.ssh/config, ProxyJump, the
// agent and known_hosts; host keys are checked by OpenSSH and never relaxed here. When the
// connection drops it is opened again with exponential backoff; a changed or unknown host key,
// refused authentication or an unknown host name stop it with a clear error instead.
import { spawn, type ChildProcess } from 'node:child_process';
import type { CounterFeed, FeedListener } from './feed';
import { FrameParser } from './frames';
import { newMarker, remoteScript, validateInterval } from './remote-script';
import { validateHost } from './ssh-host';

export interface SshFeedOptions {
  host: string;
  intervalS: number;
  /** An ssh_config file passed with -F (tests use their own); default: ssh's own lookup. */
  configFile?: string;
  /** The ssh command as argv (default: `ssh` on PATH); tests prefix `ip netns exec NS`. */
  sshCommand?: string[];
  /** ServerAliveInterval seconds; ServerAliveCountMax is 3. */
  keepaliveS?: number;
  /** First reconnect delay and its cap, in ms. */
  backoffMs?: { first: number; max: number };
}

/** A failure that retrying cannot fix; the message says what the user can do. */
export function fatalSshError(stderr: string, host: string): string | undefined {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key for .* has changed/i.test(stderr)) {
    return `the host key of ${host} is not the one in known_hosts (changed, or never accepted): no data is read. ` +
      `If the change is expected, check the new key's fingerprint and update known_hosts (ssh-keygen -R, then ssh ${host} once); netpath never disables the check.`;
  }
  if (/Permission denied \(/.test(stderr)) return `ssh to ${host}: authentication failed (BatchMode: no password prompts; use a key or the agent)`;
  if (/Could not resolve hostname/.test(stderr)) return `ssh: cannot resolve the host name ${host}`;
  if (/Bad configuration option|bad owner or permissions|Can't open user config file/i.test(stderr)) return `ssh configuration: ${lastLine(stderr)}`;
  return undefined;
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}

export class SshFeed implements CounterFeed {
  readonly host: string;
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempt = 0;
  private readonly interval: number;

  constructor(private readonly options: SshFeedOptions, private readonly listener: FeedListener) {
    this.host = validateHost(options.host);
    this.interval = validateInterval(options.intervalS);
  }

  /** The argv given to ssh: fixed options, the host as one element after `--`, a fixed remote command. */
  sshArgs(): string[] {
    const keepalive = this.options.keepaliveS ?? 5;
    return [
      '-T', '-o', 'BatchMode=yes',
      '-o', `ServerAliveInterval=${Math.max(1, Math.floor(keepalive))}`, '-o', 'ServerAliveCountMax=3',
      '-o', 'ConnectTimeout=10',
      ...(this.options.configFile ? ['-F', this.options.configFile] : []),
      '--', this.host, 'sh -s',
    ];
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.listener.state({ state: this.attempt ? 'reconnecting' : 'connecting', attempt: this.attempt || undefined });
    const marker = newMarker();
    const frames = new FrameParser(marker);
    const [cmd, ...pre] = this.options.sshCommand ?? ['ssh'];
    const child = spawn(cmd, [...pre, ...this.sshArgs()], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    let streaming = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      for (const snap of frames.feed(chunk)) {
        if (this.stopped || this.child !== child) return;
        if (!streaming) {
          streaming = true;
          this.attempt = 0;
          this.listener.state({ state: 'streaming' });
        }
        this.listener.snapshot(snap);
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    child.stdin!.on('error', () => undefined); // ssh may exit before reading the script
    child.stdin!.end(remoteScript(this.interval, marker));
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
    });
    child.on('close', (code) => {
      frames.end();
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopped) return;
      const fatal = fatalSshError(stderr, this.host) ?? (/ENOENT/.test(stderr) ? `ssh is not installed (${(this.options.sshCommand ?? ['ssh'])[0]} not found)` : undefined);
      if (fatal) {
        this.stopped = true;
        this.listener.state({ state: 'failed', message: fatal });
        return;
      }
      this.attempt++;
      const { first, max } = this.options.backoffMs ?? { first: 1000, max: 30000 };
      const delayMs = Math.min(max, first * 2 ** Math.min(this.attempt - 1, 16));
      this.listener.state({ state: 'reconnecting', attempt: this.attempt, delayMs, message: `ssh exited (${code ?? 'signal'}): ${lastLine(stderr) || 'connection closed'}` });
      this.timer = setTimeout(() => this.connect(), delayMs);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGTERM');
      await closed;
    }
    this.listener.state({ state: 'stopped' });
  }
}
