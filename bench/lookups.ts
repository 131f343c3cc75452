// Warm name lookups against their anchors (`npm run bench -- lookups <kernel-dir> [--scope S]
// [--cache C]`, and part of the main benchmark): `netpath def` and `netpath refs` as a user runs
// them from a shell, beside node's own start-up (`node -e 0`), `netpath --help` (loading the bin
// alone) and GNU Global's `global -x` / `global -rx` over the same files, all in the same run.
// Goals (issue 22): def and refs within 2x node's start-up and 60 MB peak RSS.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelVersion } from '../server/src/engine/kernel-tree';
import { warmBenchTarget } from './queries';
import { scanTree } from '../server/src/engine/scan';
import { median, runTimed } from './measure';

const RUNS = 7;
export const LOOKUP_GOAL_RATIO = 2;
export const LOOKUP_GOAL_RSS_MB = 60;

export interface LookupRow { name: string; command: string; seconds: number; runs: number[]; peakRssMB: number | null; lines: number }
export interface WarmLookups { rows: LookupRow[]; node: number; goals: Array<{ name: string; limit: number; value: number; unit: string; pass: boolean }> }

/** Measures warm lookups on `cacheRoot` (indexed first, untimed, so the symbols lookup is current). */
export function measureWarmLookups(cli: string, root: string, scope: string[], cacheRoot: string, say: (s: string) => void): WarmLookups {
  const common = ['--kernel', root, '--scope', scope.join(','), '--cache', cacheRoot];
  runTimed(process.execPath, [cli, 'index', root, '--scope', scope.join(','), '--cache', cacheRoot, '--json', '--quiet']);
  const check = spawnSync(process.execPath, [cli, 'def', 'ip_rcv', ...common, '--verbose'], { encoding: 'utf8' });
  if (check.status !== 0 || !/answered from the symbols lookup/.test(check.stderr)) throw new Error(`netpath def did not answer from the symbols lookup:\n${check.stderr.slice(-2000)}`);
  // GNU Global over exactly the files netpath indexes, in a scratch folder.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-bench-lookups-'));
  try {
    const list = path.join(tmp, 'files.txt');
    fs.writeFileSync(list, scanTree(root, scope).files.join('\n') + '\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, GTAGSROOT: root, GTAGSDBPATH: tmp };
    const g = runTimed('gtags', ['-q', '-f', list, tmp], { cwd: root, env });
    say(`gtags indexed the same files in ${g.seconds.toFixed(1)} s`);
    const cases: Array<{ name: string; command: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv; cwd?: string }> = [
      { name: 'node start-up', command: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
      { name: 'netpath bin alone', command: 'netpath --help', cmd: process.execPath, args: [cli, '--help'] },
      { name: 'netpath def', command: 'netpath def ip_rcv', cmd: process.execPath, args: [cli, 'def', 'ip_rcv', ...common] },
      { name: 'netpath refs', command: 'netpath refs ip_rcv', cmd: process.execPath, args: [cli, 'refs', 'ip_rcv', ...common] },
      { name: 'netpath refs (large answer)', command: 'netpath refs kfree_skb', cmd: process.execPath, args: [cli, 'refs', 'kfree_skb', ...common] },
      { name: 'global def', command: 'global -x ip_rcv', cmd: 'global', args: ['-x', 'ip_rcv'], env, cwd: root },
      { name: 'global refs', command: 'global -rx ip_rcv', cmd: 'global', args: ['-rx', 'ip_rcv'], env, cwd: root },
      { name: 'global refs (large answer)', command: 'global -rx kfree_skb', cmd: 'global', args: ['-rx', 'kfree_skb'], env, cwd: root },
    ];
    const rows: LookupRow[] = cases.map((c) => ({ name: c.name, command: c.command, seconds: 0, runs: [], peakRssMB: null, lines: 0 }));
    // Interleaved rounds, so a slow patch of the machine hits every command alike.
    for (let r = 0; r < RUNS; r++) {
      cases.forEach((c, i) => {
        const t = runTimed(c.cmd, c.args, { env: c.env, cwd: c.cwd });
        rows[i].runs.push(t.seconds);
        rows[i].peakRssMB = Math.max(rows[i].peakRssMB ?? 0, t.peakRssMB ?? 0) || null;
        rows[i].lines = t.stdout.split('\n').filter(Boolean).length;
      });
    }
    for (const row of rows) row.seconds = median(row.runs);
    const node = rows[0].seconds;
    const goals = rows.filter((r) => r.name === 'netpath def' || r.name === 'netpath refs').flatMap((r) => [
      { name: `warm ${r.command} / node start-up`, limit: LOOKUP_GOAL_RATIO, value: +(r.seconds / node).toFixed(2), unit: 'x', pass: r.seconds / node <= LOOKUP_GOAL_RATIO },
      { name: `warm ${r.command} peak RSS`, limit: LOOKUP_GOAL_RSS_MB, value: r.peakRssMB ?? NaN, unit: 'MB', pass: r.peakRssMB !== null && r.peakRssMB <= LOOKUP_GOAL_RSS_MB },
    ]);
    return { rows, node, goals };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatWarmLookups(w: WarmLookups): string[] {
  return [
    `| command | median of ${RUNS} | × node start-up | peak RSS | lines |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...w.rows.map((r) => `| \`${r.command}\` | ${(r.seconds * 1000).toFixed(0)} ms | ${(r.seconds / w.node).toFixed(2)} | ${r.peakRssMB ?? '?'} MB | ${r.lines} |`),
    '',
    ...w.goals.map((g) => `GOAL ${g.name} ≤ ${g.limit} ${g.unit}: ${g.value} ${g.unit} ${g.pass ? 'PASS' : 'FAIL'}`),
  ];
}

export function runLookupsBench(argv: string[], cli: string): number {
  const { root, scope, cache, json, say } = warmBenchTarget(argv, cli);
  const w = measureWarmLookups(cli, root, scope, cache, say);
  if (!json) process.stdout.write(formatWarmLookups(w).join('\n') + '\n');
  process.stdout.write(JSON.stringify({ kernel: { root, version: kernelVersion(root) ?? null, scope }, lookups: w }) + '\n');
  return 0;
}
