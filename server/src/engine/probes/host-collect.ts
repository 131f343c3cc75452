// Runs host-script.ts on a host and parses the answer. `local` runs it with this machine's `sh -s`;
// any other host goes through the system's OpenSSH exactly as the counters feed does: BatchMode
// (no prompts), the host as one argv element after `--`, a fixed remote command, the script on
// stdin, host keys checked by OpenSSH and never relaxed. Every run is bounded by a timeout.
import { spawn } from 'node:child_process';
import { fatalSshError } from '../../../../live-counters/ssh-feed';
import { validateHost } from '../../../../live-counters/ssh-host';
import { hostFactsScript, newFactsMarker } from './host-script';
import { HostFactsError, parseHostFacts, type HostFacts } from './host-facts-parse';

export const LOCAL_HOST = 'local';
export const COLLECT_TIMEOUT_MS = 60_000;

export interface CollectOptions {
  /** An ssh_config file passed with -F (the tests use their own); default: ssh's own lookup. */
  sshConfig?: string;
  timeoutMs?: number;
}

/** The argv of ssh for a validated host: fixed options, the host after `--`, a fixed remote command. */
export function factsSshArgs(host: string, sshConfig?: string): string[] {
  return ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...(sshConfig ? ['-F', sshConfig] : []), '--', validateHost(host), 'sh -s'];
}

interface Run { code: number | null; stdout: string; stderr: string; timedOut: boolean; spawnError?: string }

function run(cmd: string, args: string[], input: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    let spawnError: string | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
    child.stdin.on('error', () => undefined); // the program may exit before reading the script
    child.on('error', (e) => (spawnError = e.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr, timedOut, ...(spawnError ? { spawnError } : {}) });
    });
    child.stdin.end(input);
  });
}

/** The script's answer as received, with what parses it again (the cache keeps this). */
export interface RawHostFacts { host: string; collectedAt: string; marker: string; text: string }

/** Collects the facts of `host` now. Failures are HostFactsErrors whose message says what to do. */
export async function collectHostFacts(host: string, opts: CollectOptions = {}): Promise<{ facts: HostFacts; raw: RawHostFacts }> {
  const timeoutMs = opts.timeoutMs ?? COLLECT_TIMEOUT_MS;
  const isLocal = host === LOCAL_HOST;
  let name = host;
  try {
    if (!isLocal) name = validateHost(host);
  } catch (e) {
    throw new HostFactsError((e as Error).message);
  }
  const marker = newFactsMarker();
  const [cmd, args] = isLocal ? ['sh', ['-s']] : ['ssh', factsSshArgs(name, opts.sshConfig)];
  const r = await run(cmd, args, hostFactsScript(marker), timeoutMs);
  if (r.spawnError) throw new HostFactsError(`cannot run ${cmd}: ${r.spawnError}${/ENOENT/.test(r.spawnError) ? ` (prerequisite missing: ${isLocal ? 'a POSIX sh' : 'the OpenSSH client, Debian package openssh-client'})` : ''}`);
  if (r.timedOut) throw new HostFactsError(`collecting the facts of ${name} took longer than ${Math.round(timeoutMs / 1000)} s: stopped`);
  if (!isLocal) {
    const fatal = fatalSshError(r.stderr, name);
    if (fatal) throw new HostFactsError(fatal);
    if (r.code === 255) throw new HostFactsError(`ssh ${name} failed: ${r.stderr.trim().split('\n').pop() ?? 'exit 255'}`);
  }
  const collectedAt = new Date().toISOString();
  try {
    return { facts: parseHostFacts(r.stdout, marker, name, collectedAt), raw: { host: name, collectedAt, marker, text: r.stdout } };
  } catch (e) {
    if (e instanceof HostFactsError && r.code !== 0) throw new HostFactsError(`${e.message}; ${cmd} exited ${r.code ?? 'on a signal'}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    throw e;
  }
}
