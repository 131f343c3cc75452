// Timing helpers for the benchmark: run a child process, measure its wall time here and its
// peak RSS with /usr/bin/time (GNU time, Debian package `time`) when that is installed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RunResult {
  seconds: number;
  /** Peak resident set of the child in MB, when /usr/bin/time is available. */
  peakRssMB?: number;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';

export function haveGnuTime(): boolean {
  return fs.existsSync(GNU_TIME);
}

/** Run `cmd args` to completion; throws with its stderr when it fails. */
export function runTimed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const rssFile = haveGnuTime() ? path.join(os.tmpdir(), `netpath-bench-rss-${process.pid}-${Date.now()}`) : undefined;
  const [file, argv] = rssFile ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let peakRssMB: number | undefined;
  if (rssFile) {
    try {
      const text = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
      const kb = Number(text[text.length - 1]);
      if (Number.isFinite(kb)) peakRssMB = Math.round(kb / 1024);
    } catch { /* time could not write it: leave RSS unknown */ }
    fs.rmSync(rssFile, { force: true });
  }
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${String(r.stderr).slice(-2000)}`);
  }
  return { seconds, peakRssMB, stdout: String(r.stdout) };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** True when `name` is an executable on PATH. */
export function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch { /* keep looking */ }
  }
  return false;
}
