// A live drop session on one host: the fixed root script (session-script.ts) on the stdin of
// `sh -s` here, or of `ssh ... -- <host> sh -s` (`sudo -n sh -s` when the user chose sudo for
// that host). Stdin is kept open after the script: closing it is how a stop reaches the host
// (the script's watchdog ends the session and restores the tracepoint), and it closes by itself
// when this process, ssh or sshd dies. No reconnect: a lost session is reported, not resumed.
import { spawn, type ChildProcess } from 'node:child_process';
import { validateHost } from '../../../live-counters/ssh-host';
import { fatalSshError } from '../../../live-counters/ssh-feed';
import { newSessionMarker, sessionScript, DEFAULT_CAP, type LiveSource } from './session-script';
import { SessionFrames, type SessionMessage } from './session-frames';

export interface LiveSessionOptions {
  /** undefined or 'local': this machine. */
  host?: string;
  intervalS: number;
  /** Run the script with `sudo -n` (the per-host choice for hosts where ssh does not log in as root). */
  sudo?: boolean;
  /** ssh_config file passed with -F (tests use their own). */
  sshConfig?: string;
  cap?: number;
  /** auto (bpftrace when the host has it, else tracefs), or one of them. */
  source?: LiveSource;
}

export interface LiveSessionListener {
  message(m: SessionMessage): void;
  /** The session ended: `error` says why when it was not asked to stop. */
  closed(info: { code: number | null; error?: string }): void;
}

/** How long a stop waits for the host to restore the tracepoint before killing the transport. */
const STOP_GRACE_MS = 10_000;

export class LiveDropSession {
  readonly host: string | undefined;
  readonly marker = newSessionMarker();
  private child: ChildProcess | undefined;
  private stopping = false;
  private stderr = '';
  private closedP: Promise<void> | undefined;

  constructor(private readonly o: LiveSessionOptions, private readonly listener: LiveSessionListener) {
    this.host = o.host === undefined || o.host === 'local' ? undefined : validateHost(o.host);
  }

  /** The argv that starts the shell: fixed words, the host one element after `--`. */
  argv(): string[] {
    const remote = this.o.sudo ? 'sudo -n sh -s' : 'sh -s';
    if (!this.host) return this.o.sudo ? ['sudo', '-n', 'sh', '-s'] : ['sh', '-s'];
    return ['ssh', '-T', '-o', 'BatchMode=yes', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-o', 'ConnectTimeout=10',
      ...(this.o.sshConfig ? ['-F', this.o.sshConfig] : []), '--', this.host, remote];
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const [cmd, ...args] = this.argv();
    const frames = new SessionFrames(this.marker);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      for (const m of frames.feed(s)) this.listener.message(m);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-8192)));
    child.stdin!.on('error', () => undefined);
    child.stdin!.write(sessionScript(this.o.intervalS, this.marker, this.o.cap ?? DEFAULT_CAP, this.o.source ?? 'auto'));
    this.closedP = new Promise((resolve) => {
      child.on('error', (e) => (this.stderr += `\n${e.message}`));
      child.on('close', (code) => {
        frames.end();
        let error: string | undefined;
        if (!this.stopping) {
          const where = this.host ?? 'this machine';
          error = (this.host ? fatalSshError(this.stderr, this.host) : undefined) ??
            (/ENOENT/.test(this.stderr) ? `${cmd} is not installed` : undefined) ??
            (/sudo: a password is required|sudo: .*not allowed/.test(this.stderr) ? `sudo -n on ${where} needs a password or is not allowed: allow the user to run "sh -s" without one, or log in as root` : undefined) ??
            `the session on ${where} ended (exit ${code ?? 'signal'})${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').pop()}` : ''}`;
        }
        this.listener.closed({ code, ...(error ? { error } : {}) });
        resolve();
      });
    });
  }

  /** Stops: closes stdin (the host restores the tracepoint and exits), bounded by STOP_GRACE_MS. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.closedP) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), graceMs);
      await this.closedP;
      clearTimeout(timer);
    }
  }
}
