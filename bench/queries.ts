// Warm call-graph queries (`npm run bench -- queries <kernel-dir> [--scope S] [--cache C]`, and
// part of the main benchmark): wall time of `netpath path ixgbe_poll __udp_queue_rcv_skb` and
// `netpath callers ip_rcv` as a user runs them, node start-up included, on an index whose call
// graph is saved beside it; the graph file's size and load time. Anchor measured in the same
// run: a warm `netpath def ip_rcv`, which opens the index and reads no graph.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { KernelIndex } from '../server/src/engine/indexer';
import { checkKernelTree, kernelVersion, parseScope } from '../server/src/engine/kernel-tree';
import { baseKnowledge } from '../server/src/engine/knowledge';
import { defaultCacheRoot } from '../server/src/engine/store';
import { graphKey, graphPath, loadGraphFile } from '../server/src/engine/callgraph/graph-store';
import { median, runTimed } from './measure';

export const QUERY_GOAL_SECONDS = 1;
const RUNS = 5;

export interface WarmQueries {
  /** Median wall seconds over RUNS, node start-up included. */
  path: number;
  callers: number;
  /** The anchor: a warm `def`, index open without the graph. */
  def: number;
  runs: { path: number[]; callers: number[]; def: number[] };
  graphFile: { bytes: number; loadSeconds: number; buildSeconds: number | null };
}

/**
 * Measures warm queries on `cacheRoot`. Runs `netpath index` first, so the index is current and
 * its graph saved (a cold cache is indexed here, untimed).
 */
export async function measureWarmQueries(cli: string, root: string, scope: string[], cacheRoot: string, say: (s: string) => void): Promise<WarmQueries> {
  const common = ['--kernel', root, '--scope', scope.join(','), '--cache', cacheRoot];
  const indexed = runTimed(process.execPath, [cli, 'index', root, '--scope', scope.join(','), '--cache', cacheRoot, '--json', '--quiet']);
  const graph = (JSON.parse(indexed.stdout.trim().split('\n').pop()!) as { graph?: { source: string; seconds: number } }).graph;
  say(`graph ${graph?.source ?? '?'} by netpath index in ${graph?.seconds.toFixed(1) ?? '?'} s`);
  // The timed runs must load the saved graph, not build it: check once, with --verbose.
  const check = spawnSync(process.execPath, [cli, 'path', 'ixgbe_poll', '__udp_queue_rcv_skb', ...common, '--json', '--quiet', '--verbose'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (check.status !== 0 || !/call graph loaded/.test(check.stderr)) throw new Error(`netpath path did not load the saved graph:\n${check.stderr.slice(-2000)}`);
  const time = (args: string[]) => {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(runTimed(process.execPath, [cli, ...args, ...common, '--json', '--quiet']).seconds);
    return runs;
  };
  const runs = { def: time(['def', 'ip_rcv']), path: time(['path', 'ixgbe_poll', '__udp_queue_rcv_skb']), callers: time(['callers', 'ip_rcv']) };
  // The graph file on its own: read, checked and decoded in this process.
  const idx = await KernelIndex.open(root, { scope, cacheRoot });
  const key = graphKey(idx.stateFingerprint()!);
  const loads: number[] = [];
  let buildSeconds: number | null = null;
  for (let i = 0; i < 3; i++) {
    const r = loadGraphFile(idx.cacheDir, key, idx.files);
    if (!('graph' in r)) throw new Error(r.problem);
    loads.push(r.seconds);
  }
  const header = fs.readFileSync(graphPath(idx.cacheDir));
  const m = /"buildSeconds":([\d.]+)/.exec(header.toString('utf8', 16, 16 + header.readUInt32LE(12)));
  if (m) buildSeconds = Number(m[1]);
  return {
    path: median(runs.path), callers: median(runs.callers), def: median(runs.def), runs,
    graphFile: { bytes: fs.statSync(graphPath(idx.cacheDir)).size, loadSeconds: median(loads), buildSeconds },
  };
}

export function formatWarmQueries(q: WarmQueries): string[] {
  const s = (x: number) => x.toFixed(2);
  return [
    `warm queries, wall time with node start-up (median of ${RUNS}): path ixgbe_poll __udp_queue_rcv_skb ${s(q.path)} s, callers ip_rcv ${s(q.callers)} s; anchor def ip_rcv (no graph) ${s(q.def)} s`,
    `  graph file ${(q.graphFile.bytes / 1e6).toFixed(1)} MB, loaded in ${s(q.graphFile.loadSeconds)} s${q.graphFile.buildSeconds !== null ? ` (built in ${q.graphFile.buildSeconds.toFixed(1)} s)` : ''}`,
  ];
}

/** `npm run bench -- queries <kernel-dir> [--scope S] [--cache C] [--json]`: only the warm queries (default cache: netpath's own). */
/** What a warm-query bench runs on (`<kernel-dir> [--scope S] [--cache C] [--json]`), said on stderr. */
export function warmBenchTarget(argv: string[], cli: string): { root: string; scope: string[]; cache: string; json: boolean; say: (s: string) => void } {
  const args = parseArgs(argv, { flags: ['json'], options: ['scope', 'cache'] });
  const dir = args.positional[0];
  if (!dir) throw new UsageError('give the kernel tree to measure');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" (npm run bench does)`);
  const root = checkKernelTree(path.resolve(dir));
  const scope = parseScope(args.options.get('scope'), baseKnowledge().defaultScope);
  const cache = args.options.get('cache') ?? defaultCacheRoot();
  const say = (s: string) => process.stderr.write(`bench: ${s}\n`);
  say(`Linux ${kernelVersion(root) ?? '?'} at ${root}, scope ${scope.join(',')}, cache ${cache}`);
  return { root, scope, cache, json: args.flags.has('json'), say };
}

export async function runQueriesBench(argv: string[], cli: string): Promise<number> {
  const { root, scope, cache, json, say } = warmBenchTarget(argv, cli);
  const q = await measureWarmQueries(cli, root, scope, cache, say);
  const goals = [
    { name: 'warm path query', limit: QUERY_GOAL_SECONDS, value: +q.path.toFixed(3), unit: 's', pass: q.path <= QUERY_GOAL_SECONDS },
    { name: 'warm callers query', limit: QUERY_GOAL_SECONDS, value: +q.callers.toFixed(3), unit: 's', pass: q.callers <= QUERY_GOAL_SECONDS },
  ];
  if (!json) {
    process.stdout.write([...formatWarmQueries(q), '', ...goals.map((g) => `GOAL ${g.name} ≤ ${g.limit} s: ${g.value} s ${g.pass ? 'PASS' : 'FAIL'}`), ''].join('\n'));
  }
  process.stdout.write(JSON.stringify({ kernel: { root, version: kernelVersion(root) ?? null, scope }, queries: q, goals }) + '\n');
  return 0;
}
