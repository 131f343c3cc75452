// `npm run bench -- drift [--series 6.12] [--json]`
//
// What the next Debian point release changes, before the pin moves (kernel-pins.txt): the newest
// served linux-source-<series> is unpacked beside the pinned one (scripts/fetch-kernels.sh
// --newest), both are indexed warm in a cache of the bench's own, and their answers compared:
// drop sites of the receive path's files (without line numbers, which every release moves), the
// first chains of the canonical receive paths, and for 6.12 whether the drop scripts of the
// receive path's main functions, generated from the newest tree, pass `stap -p2` against the
// newest debug build (scripts/fetch-debug-build.sh --newest). Needs root for the downloads, like
// the test suite. Exit 0 with a report; the differences are information, not failures, except a
// script that fails pass 2 (exit 3 with --strict).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { CANONICAL_PATHS, DRIFT_FILES, RECEIVE_DROP_FUNCTIONS } from '../test/helpers/receive-functions';
import { pass2Problems, stapPass2Together, uncountedSites } from '../test/helpers/stap-pass2';

const USAGE = 'usage: npm run bench -- drift [--series 6.1|6.12] [--cache DIR] [--json] [--strict]\n';
const say = (s: string) => process.stderr.write(`bench drift: ${s}\n`);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(__dirname, 'netpath.js');

interface Tree { series: string; version: string; dir: string }
interface DriftReport {
  series: string;
  pinned: { version: string; dir: string };
  newest: { version: string; dir: string };
  same: boolean;
  drops: Array<{ file: string; added: string[]; removed: string[] }>;
  paths: Array<{ from: string; to: string; pinned: string[]; newest: string[]; same: boolean }>;
  /** problems: scripts that fail; uncounted: sites placed without the line table on a line this build has no record for. */
  pass2?: { release: string; scripts: number; problems: string[]; uncounted: string[] };
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

function fetchTree(series: string, mode: '--pinned' | '--newest'): Tree {
  const [, dir] = sh('bash', ['scripts/fetch-kernels.sh', mode, series]).trim().split('\n').pop()!.split(' ');
  return { series, dir, version: fs.readFileSync(path.join(dir, '.netpath-unpacked'), 'utf8').trim() };
}

function netpath(tree: Tree, cache: string, args: string[]): string {
  return sh(process.execPath, [CLI, ...args, '--kernel', tree.dir, '--cache', cache]);
}

/** A drop site as the goldens write it: no line numbers, which move with every release. */
function siteLine(s: { function: string; kind: string; label?: string; via?: string; reason: string | null; counters: string[] }): string {
  return [s.function, s.kind === 'goto' ? `goto ${s.label}` : `${s.kind} ${s.via ?? ''}`.trim(), s.reason ?? '-', s.counters.join(',') || '-'].join(' | ');
}

function dropLines(tree: Tree, cache: string, file: string): string[] {
  if (!fs.existsSync(path.join(tree.dir, file))) return [`(no file ${file})`];
  return (JSON.parse(netpath(tree, cache, ['drops', file, '--json'])).sites as Parameters<typeof siteLine>[0][]).map(siteLine).sort();
}

function chains(tree: Tree, cache: string, from: string, to: string): string[] {
  const r = spawnSync(process.execPath, [CLI, 'path', from, to, '--max', '3', '--json', '--kernel', tree.dir, '--cache', cache], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return [`(no path: ${(r.stderr || '').trim().split('\n').pop()})`];
  const paths = JSON.parse(r.stdout).paths as Array<{ hops: Array<{ caller: string; callee: string }> }>;
  return paths.map((p) => [p.hops[0]?.caller ?? from, ...p.hops.map((h) => h.callee)].join(' > '));
}

/** Lines in a and not in b, as multisets. */
function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    return n === 0;
  });
}

export async function runDriftBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'strict', 'help'], options: ['series', 'cache'] });
  if (args.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const series = args.options.get('series') ?? '6.12';
  if (!/^\d+\.\d+$/.test(series)) throw new UsageError(`--series: expected a series such as 6.12, got "${series}"`);
  const cache = args.options.get('cache') ?? path.join(os.homedir(), '.cache', 'netpath', 'bench-drift');
  fs.mkdirSync(cache, { recursive: true });
  const pinned = fetchTree(series, '--pinned');
  const newest = fetchTree(series, '--newest');
  const report: DriftReport = { series, pinned: { version: pinned.version, dir: pinned.dir }, newest: { version: newest.version, dir: newest.dir }, same: pinned.version === newest.version, drops: [], paths: [] };
  say(`linux-source-${series}: pinned ${pinned.version}, newest served ${newest.version}`);
  for (const t of report.same ? [pinned] : [pinned, newest]) {
    say(`indexing ${t.version} (warm after the first run)`);
    sh(process.execPath, [CLI, 'index', t.dir, '--cache', cache, '--quiet']);
  }
  const other = report.same ? pinned : newest;
  for (const file of DRIFT_FILES) {
    const a = dropLines(pinned, cache, file);
    const b = report.same ? a : dropLines(other, cache, file);
    report.drops.push({ file, added: minus(b, a), removed: minus(a, b) });
  }
  for (const [from, to] of CANONICAL_PATHS) {
    const a = chains(pinned, cache, from, to);
    const b = report.same ? a : chains(other, cache, from, to);
    report.paths.push({ from, to, pinned: a, newest: b, same: a.join('\n') === b.join('\n') });
  }
  if (series === '6.12') {
    const [release, dir] = sh('bash', ['scripts/fetch-debug-build.sh', ...(report.same ? [] : ['--newest'])]).trim().split(' ');
    say(`stap -p2 of ${RECEIVE_DROP_FUNCTIONS.length} drop scripts from ${newest.version} against ${release}, with and without its line table`);
    const scripts: Array<{ name: string; text: string }> = [];
    for (const fn of RECEIVE_DROP_FUNCTIONS) {
      for (const debuginfo of [undefined, dir]) {
        const text = netpath(newest, cache, ['probe', fn, '--drops', ...(debuginfo ? ['--debuginfo', debuginfo] : [])]);
        scripts.push({ name: `${debuginfo ? 'dbg-' : ''}${fn}.stp`, text });
      }
    }
    const results = await stapPass2Together(release, scripts);
    const problems = results.flatMap((r) => pass2Problems(r, scripts.find((s) => s.name === r.name)!.text));
    const uncounted = results.flatMap((r) => uncountedSites(r, scripts.find((s) => s.name === r.name)!.text));
    report.pass2 = { release, scripts: scripts.length, problems, uncounted };
  }
  if (args.flags.has('json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(formatDrift(report));
  return args.flags.has('strict') && report.pass2?.problems.length ? 3 : 0;
}

function formatDrift(r: DriftReport): string {
  const out = [`linux-source-${r.series}: pinned ${r.pinned.version}, newest served ${r.newest.version}${r.same ? ' (the same: no drift to show)' : ''}`, ''];
  const changed = r.drops.filter((d) => d.added.length || d.removed.length);
  out.push(`Drop sites of ${r.drops.length} files: ${changed.length ? `${changed.length} changed` : 'unchanged'}`);
  for (const d of changed) {
    out.push(`  ${d.file}`);
    for (const x of d.removed) out.push(`    - ${x}`);
    for (const x of d.added) out.push(`    + ${x}`);
  }
  out.push('', `First chains of ${r.paths.length} canonical paths: ${r.paths.filter((p) => !p.same).length} changed`);
  for (const p of r.paths.filter((x) => !x.same)) {
    out.push(`  ${p.from} -> ${p.to}`);
    for (const x of p.pinned) out.push(`    - ${x}`);
    for (const x of p.newest) out.push(`    + ${x}`);
  }
  if (r.pass2) {
    out.push('', `stap -p2 against ${r.pass2.release}: ${r.pass2.scripts - new Set(r.pass2.problems.map((p) => p.split(':')[0])).size} of ${r.pass2.scripts} drop scripts pass`);
    for (const p of r.pass2.problems) out.push(`  ${p}`);
    if (r.pass2.uncounted.length) out.push(`  ${r.pass2.uncounted.length} sites placed without the line table fall on lines this build has no record for (optional: uncounted, pass --debuginfo):`, ...r.pass2.uncounted.map((u) => `    ${u}`));
  }
  return `${out.join('\n')}\n`;
}
