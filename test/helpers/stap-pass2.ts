// `stap -p2` against a real kernel build: every probe point is looked up in the build's DWARF,
// and the script fails on any that does not resolve (a trailing `?` only spares an alternative
// that matches nothing). Pass 2 prints the resolved points, each with the point it came from.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * One stap at a time on the whole machine: a pass 2 that reads module("*") holds 7-8 GB, and the
 * test files that run them share two cores and 24 GB with the rest of the suite. `flock`
 * (util-linux) on one lock file serializes them across the test processes.
 */
const JOBS = 1;
const LOCK = path.join(os.tmpdir(), 'netpath-stap-pass2.lock');
/** Waiting for the lock included: the longest script takes about 35 s alone. */
const TIMEOUT_MS = 300_000;

export interface Pass2Result { name: string; code: number | null; stderr: string; stdout: string }

export function requireStap(): void {
  const r = spawnSync('stap', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`prerequisite missing: stap (Debian package systemtap; scripts/setup-system.sh installs it): ${r.error?.message ?? r.stderr}`);
}

export async function stapPass2(release: string, scripts: Array<{ name: string; text: string }>): Promise<Pass2Result[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-p2-'));
  const results: Pass2Result[] = [];
  let next = 0;
  const one = (i: number, name: string, text: string) => new Promise<Pass2Result>((resolve) => {
    const file = path.join(dir, `${i}-${name.replace(/[^\w.-]/g, '_')}.stp`);
    fs.writeFileSync(file, text);
    // Its own process group, so the time limit kills stap too, not only flock.
    const child = spawn('flock', [LOCK, 'stap', '-r', release, '-p2', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ name, code, stderr: signal ? `${stderr}stap was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory, or the time limit)' : ''}\n` : stderr, stdout });
    });
  });
  const worker = async () => {
    while (next < scripts.length) {
      const i = next++;
      results.push(await one(i, scripts[i].name, scripts[i].text));
    }
  };
  try {
    await Promise.all(Array.from({ length: JOBS }, worker));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** The probe statements of a script, each as its list of points (begin, end and timers left out). */
export function probeStatements(text: string): string[][] {
  const out: string[][] = [];
  for (const m of text.matchAll(/^probe ([^\n{]+(?:,\n\s+[^\n{]+)*)\n\{/gm)) {
    const points = m[1].split(/,\n\s+/).map((p) => p.trim());
    if (!/^(begin|end|timer\.)/.test(points[0])) out.push(points);
  }
  return out;
}

/** A point as pass 2 echoes it: no `?` or `!`, and no line stap adds to a function("f@file") spec. */
function canonical(point: string): string {
  return point.replace(/[?!]$/, '').replace(/(function\("[^"@]*@[^":]*):\d+"\)/g, '$1")');
}

const RANGE = /^(.*\.statement\("[^"]*:)(\d+)-(\d+)("\))$/;

/** Whether pass 2 resolved the point: a line range (`f@file:547-548`) is echoed as the line it found. */
function isResolved(point: string, resolved: Set<string>): boolean {
  const c = canonical(point);
  if (resolved.has(c)) return true;
  const m = RANGE.exec(c);
  if (!m) return false;
  for (let n = Number(m[2]); n <= Number(m[3]); n++) if (resolved.has(`${m[1]}${n}${m[4]}`)) return true;
  return false;
}

/** An optional one-line range: a site placed without a line table, on a line the build may have merged away (points.ts). */
const uncheckedLine = (p: string) => /\.statement\("[^"]*:(\d+)-\1"\)\?$/.test(p);

function unresolved(r: Pass2Result, text: string): string[][] {
  const resolved = new Set([...r.stdout.matchAll(/\/\* <- (.+?) \*\/$/gm)].map((m) => canonical(m[1])));
  return probeStatements(text).filter((points) => !points.some((p) => p.includes('*') || isResolved(p, resolved)));
}

/**
 * Problems with one script's pass 2: a non-zero exit, or a probe statement none of whose points
 * resolved (all its alternatives skipped). Empty when every probe found its place in the build.
 * Probes whose points are all unchecked lines (uncountedSites) are not problems: the script says
 * such a site may go uncounted.
 */
export function pass2Problems(r: Pass2Result, text: string): string[] {
  if (r.code !== 0) return [`${r.name}: exit ${r.code}: ${r.stderr.split('\n').filter((l) => /error|no line records|not found|killed/i.test(l)).slice(0, 3).join(' | ')}`];
  return unresolved(r, text)
    .filter((points) => !points.every(uncheckedLine))
    .map((points) => `${r.name}: no point of "probe ${points.join(', ')}" resolved`);
}

/** Drop sites placed without a line table on a line this build has no record for: pass 2 passes, they count nothing. */
export function uncountedSites(r: Pass2Result, text: string): string[] {
  if (r.code !== 0) return [];
  return unresolved(r, text).filter((points) => points.every(uncheckedLine)).map((points) => `${r.name}: ${points[0].replace(/^.*statement\("([^"]+)"\)\?$/, '$1')}`);
}

/**
 * Pass 2 of many scripts in one stap run: each run loads the build's DWARF again (seconds, and
 * several GB for points such as module("*")), so a test's scripts are checked together. Each
 * script's own globals and functions get a prefix of their own (s<i>_), so the scripts do not
 * clash; their probe points and bodies (target variables included) are resolved as they are.
 * Every script gets the one run's result; pass2Problems then finds each script's points in it.
 * SystemTap 4.8 can crash (SIGSEGV, exit 139) on a combination whose scripts each pass alone
 * (seen with a drop script and a path script fitted to this machine's kallsyms): then each script
 * is checked in a run of its own, which is what the test means.
 */
export async function stapPass2Together(release: string, scripts: Array<{ name: string; text: string }>): Promise<Pass2Result[]> {
  const parts = scripts.map((s, i) => {
    const names = [...s.text.matchAll(/^(?:global|function)\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]);
    let text = s.text.replace(/^#!.*\n/, '');
    for (const n of new Set(names)) text = text.replace(new RegExp(`(?<![$@.>\\w])${n}\\b`, 'g'), `s${i}_${n}`);
    return `# ---- ${s.name}\n${text}`;
  });
  const [r] = await stapPass2(release, [{ name: `${scripts.length}-scripts`, text: parts.join('\n') }]);
  const crashed = r.code === null || (r.code ?? 0) > 128;
  if (crashed && scripts.length > 1) return stapPass2(release, scripts);
  return scripts.map((s) => ({ ...r, name: s.name }));
}
