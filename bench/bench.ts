// `npm run bench -- <kernel-dir> [--scope S] [--rounds N] [--workers N] [--whole-tree] [--json] [--strict]`
//
// Measures netpath's indexer against anchors timed in the same run, on the same file list:
// universal-ctags, GNU Global (gtags), cscope and the raw tree-sitter parse of every file in
// the same worker pool (the "floor": read + parse + delete, no extraction, no cache). Every
// indexer runs as a child process so wall time and peak RSS are per process. The machine may
// be noisy, so cold runs are interleaved over rounds and the median is reported.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { KernelIndex } from '../server/src/engine/indexer';
import { checkKernelTree, kernelVersion, parseScope } from '../server/src/engine/kernel-tree';
import { baseKnowledge } from '../server/src/engine/knowledge';
import { defaultWorkers, indexInPool } from '../server/src/engine/pool';
import { scanTree } from '../server/src/engine/scan';
import { haveGnuTime, median, runTimed } from './measure';
import { runCountersBench } from './counters';
import { runLiveBench } from './live';
import { runEditorBench } from './editor';
import { runFirstDefinitionBench } from './first-definition';
import { runTracesBench } from './traces';
import { runDriftBench } from './drift';
import { formatWarmQueries, measureWarmQueries, QUERY_GOAL_SECONDS, runQueriesBench } from './queries';
import { formatWarmLookups, measureWarmLookups, runLookupsBench } from './lookups';
import { checkTools, freshDir, TOOLS } from './tools';

const USAGE = `usage: npm run bench -- <kernel-dir> [--scope S] [--rounds N] [--workers N] [--whole-tree] [--json] [--strict]
       npm run bench -- queries <kernel-dir> [--scope S] [--cache C] [--json]   (warm graph queries only)
       npm run bench -- first-definition <kernel-dir> [--cache C] [--json]   (language server: warm start to the first definition)
       npm run bench -- lookups <kernel-dir> [--scope S] [--cache C] [--json]   (warm def/refs against node start-up and GNU Global)
       npm run bench -- editor <kernel-dir> [--cache C] [--rounds N] [--json]   (server responsiveness while the graph builds)
       npm run bench -- drift [--series 6.12] [--json] [--strict]   (the newest served point release against the pinned one)

  --scope S      folders to index (default: the net scope, net,drivers/net,include)
  --rounds N     cold rounds of every indexer, interleaved; medians reported (default 2)
  --workers N    worker threads for netpath and the parse-only floor (default: cores, max 8)
  --whole-tree   also index the whole tree (--scope all) cold once: takes minutes
  --json         print only one JSON object
  --strict       exit 3 when a goal is missed
`;

const GOALS = {
  coldOverFloor: 1.3,
  warmSeconds: 1,
  reindexMs: 100,
  wholeTreeSeconds: 90,
  // Issue 13: the whole tree must fit, call graph included (710k functions, 6.6M calls on 6.12):
  // the limit now covers the cold index + graph build + save in one process, and a warm query
  // loading the saved graph in another. It was 1024 MB for the index alone, which never built a
  // graph; 1536 MB is the issue's bound for the graph-inclusive runs.
  wholeTreeRssMB: 1536,
};

interface EngineRun { seconds: number; engineSeconds: number; peakRssMB: number; files: number; functions: number; graph?: { edges: number; seconds: number } }
interface GraphStats {
  indirectSites: number; resolvedSites: number; resolvedFraction: number; meanCandidates: number; medianCandidates: number;
  naive: { resolvedSites: number; meanCandidates: number; medianCandidates: number }; edges: number; seconds: number;
}

interface Goal { name: string; limit: number; value: number; unit: string; pass: boolean }

let jsonOnly = false;
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--parse-floor') return parseFloorChild(argv.slice(1));
  if (argv[0] === 'counters') return runCountersBench(argv.slice(1));
  if (argv[0] === 'live') return runLiveBench(argv.slice(1));
  if (argv[0] === 'traces') return runTracesBench(argv.slice(1));
  if (argv[0] === 'drift') return runDriftBench(argv.slice(1));
  if (!process.env.NETPATH_BENCH_SNAPSHOT) return runFromSnapshot(argv);
  if (argv[0] === 'queries') return runQueriesBench(argv.slice(1), path.join(__dirname, 'netpath.js'));
  if (argv[0] === 'lookups') return runLookupsBench(argv.slice(1), path.join(__dirname, 'netpath.js'));
  if (argv[0] === 'editor') return runEditorBench(argv.slice(1), path.join(__dirname, 'server.js'));
  if (argv[0] === 'first-definition') return runFirstDefinitionBench(argv.slice(1), path.join(__dirname, 'server.js'));
  const args = parseArgs(argv, { flags: ['whole-tree', 'json', 'strict', 'help'], options: ['scope', 'rounds', 'workers'] });
  if (args.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  jsonOnly = args.flags.has('json');
  const dir = args.positional[0];
  if (!dir) throw new UsageError('give the kernel tree to measure');
  const rounds = intOption(args.options.get('rounds'), 2, 'rounds');
  const workers = intOption(args.options.get('workers'), defaultWorkers(), 'workers');
  checkTools();

  const root = checkKernelTree(path.resolve(dir));
  const scope = parseScope(args.options.get('scope'), baseKnowledge().defaultScope);
  const scan = scanTree(root, scope);
  if (scan.files.length === 0) throw new Error(`no .c/.h files in scope ${scope.join(',')}`);
  const bytes = scan.files.reduce((n, f) => n + fs.statSync(path.join(root, f)).size, 0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-bench-'));
  const listFile = path.join(tmp, 'files.txt');
  fs.writeFileSync(listFile, scan.files.join('\n') + '\n');
  const cli = path.join(__dirname, 'netpath.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" (npm run bench does)`);

  say(`Linux ${kernelVersion(root) ?? '?'} at ${root}, scope ${scope.join(',')}: ${scan.files.length} files, ${(bytes / 1e6).toFixed(1)} MB; ${workers} workers, ${rounds} rounds, ${os.availableParallelism()} cores`);
  try {
    const engineCache = path.join(tmp, 'engine-cache');
    const runEngine = (cache: string, extra: string[], scopeArg = scope.join(','), withGraph = false): EngineRun => {
      // Index timings exclude the call graph (--no-graph); its statistics are a separate run below.
      // The whole-tree run includes it (withGraph): the graph is what did not fit.
      const r = runTimed(process.execPath, [cli, 'index', root, '--scope', scopeArg, '--workers', String(workers), '--cache', cache, '--json', '--quiet', ...(withGraph ? [] : ['--no-graph']), ...extra]);
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; peakRssMB: number; files: number; functions: number; graph?: { edges: number; seconds: number } };
      return {
        seconds: r.seconds, engineSeconds: j.seconds, peakRssMB: Math.max(j.peakRssMB, r.peakRssMB ?? 0), files: j.files, functions: j.functions,
        ...(j.graph ? { graph: { edges: j.graph.edges, seconds: j.graph.seconds } } : {}),
      };
    };

    // Cold: interleave every indexer in each round, so a slow patch of the VM hits them alike.
    const cold: EngineRun[] = [];
    const floor: Array<{ seconds: number; peakRssMB?: number }> = [];
    const tools = new Map<string, Array<{ seconds: number; peakRssMB?: number }>>(TOOLS.map((t) => [t.name, []]));
    for (let r = 1; r <= rounds; r++) {
      fs.rmSync(engineCache, { recursive: true, force: true });
      const c = runEngine(engineCache, ['--rebuild']);
      cold.push(c);
      say(`round ${r}/${rounds}: netpath cold ${c.seconds.toFixed(2)} s, ${c.peakRssMB} MB`);
      const f = runTimed(process.execPath, [__filename, '--parse-floor', root, listFile, String(workers)]);
      floor.push({ seconds: f.seconds, peakRssMB: f.peakRssMB });
      say(`round ${r}/${rounds}: parse-only floor ${f.seconds.toFixed(2)} s`);
      for (const t of TOOLS) {
        const out = freshDir(tmp, t.name);
        const tr = t.run(root, listFile, out);
        tools.get(t.name)!.push({ seconds: tr.seconds, peakRssMB: tr.peakRssMB });
        say(`round ${r}/${rounds}: ${t.name} ${tr.seconds.toFixed(2)} s`);
        fs.rmSync(out, { recursive: true, force: true });
      }
    }
    if (cold[0].files !== scan.files.length) say(`warning: netpath indexed ${cold[0].files} files, the list has ${scan.files.length}`);

    // Warm: the cache from the last cold round is current.
    const warm: EngineRun[] = [];
    for (let i = 0; i < 3; i++) warm.push(runEngine(engineCache, []));
    say(`warm start: ${warm.map((w) => w.seconds.toFixed(2)).join(', ')} s`);

    const graphRun = runTimed(process.execPath, [cli, 'index', root, '--scope', scope.join(','), '--cache', engineCache, '--json', '--quiet']);
    const graph = (JSON.parse(graphRun.stdout.trim().split('\n').pop()!) as { graph: GraphStats }).graph;
    say(`call graph: ${graph.indirectSites} indirect sites, ${(graph.resolvedFraction * 100).toFixed(1)} % resolved, built in ${graph.seconds.toFixed(1)} s`);

    // The graph is saved with the index now: warm queries load it (measured with node start-up).
    const queries = await measureWarmQueries(cli, root, scope, engineCache, say);
    for (const l of formatWarmQueries(queries)) say(l);
    // def and refs against node's start-up and GNU Global, in the same run (issue 22).
    const lookups = measureWarmLookups(cli, root, scope, engineCache, say);
    for (const l of formatWarmLookups(lookups)) say(l);

    const reindex = await measureReindex(root, scope, engineCache, scan.files);
    say(`re-index ${reindex.file}: ${reindex.ms.map((m) => m.toFixed(1)).join(', ')} ms`);

    let whole: EngineRun | undefined;
    let wholeQuery: { seconds: number; peakRssMB?: number } | undefined;
    let wholeFloor: { seconds: number; peakRssMB?: number } | undefined;
    if (args.flags.has('whole-tree')) {
      say('whole tree (--scope all), cold, call graph included: this takes several minutes');
      const cache = path.join(tmp, 'whole-cache');
      whole = runEngine(cache, ['--rebuild'], 'all', true);
      say(`whole tree: ${whole.files} files indexed in ${whole.engineSeconds.toFixed(1)} s, call graph of ${whole.graph?.edges ?? '?'} calls built and saved in ${whole.graph?.seconds.toFixed(1) ?? '?'} s; ${whole.seconds.toFixed(1)} s wall, ${whole.peakRssMB} MB peak RSS`);
      // A warm query in a new process: loads the saved graph (what an editor or a CLI run meets next).
      wholeQuery = runTimed(process.execPath, [cli, 'callers', 'ip_rcv', '--kernel', root, '--scope', 'all', '--cache', cache, '--json']);
      say(`whole tree warm callers ip_rcv: ${wholeQuery.seconds.toFixed(2)} s, ${wholeQuery.peakRssMB ?? '?'} MB peak RSS`);
      fs.rmSync(cache, { recursive: true, force: true });
      // The same floor over the whole tree, so the absolute goal can be read against what
      // parsing alone costs on this machine.
      const wholeList = path.join(tmp, 'whole-files.txt');
      fs.writeFileSync(wholeList, scanTree(root, ['.']).files.join('\n') + '\n');
      wholeFloor = runTimed(process.execPath, [__filename, '--parse-floor', root, wholeList, String(workers)]);
      say(`whole tree parse-only floor: ${wholeFloor.seconds.toFixed(1)} s`);
    }

    const coldS = median(cold.map((c) => c.seconds));
    const floorS = median(floor.map((f) => f.seconds));
    const toolS = Object.fromEntries([...tools].map(([k, v]) => [k, median(v.map((x) => x.seconds))]));
    const coldRss = Math.max(...cold.map((c) => c.peakRssMB));
    const warmS = median(warm.map((w) => w.seconds));
    const reindexMs = median(reindex.ms);
    const goals: Goal[] = [
      goal('cold/floor', GOALS.coldOverFloor, coldS / floorS, ''),
      goal('warm start', GOALS.warmSeconds, warmS, 's'),
      goal('re-index one file', GOALS.reindexMs, reindexMs, 'ms'),
      goal('warm path query', QUERY_GOAL_SECONDS, queries.path, 's'),
      goal('warm callers query', QUERY_GOAL_SECONDS, queries.callers, 's'),
      ...lookups.goals,
    ];
    if (whole) {
      // The index alone, as before (the graph build is timed on its own, above).
      goals.push(goal('whole-tree cold index', GOALS.wholeTreeSeconds, whole.engineSeconds, 's'));
      goals.push(goal('whole-tree index + graph peak RSS', GOALS.wholeTreeRssMB, whole.peakRssMB, 'MB'));
      if (wholeQuery?.peakRssMB !== undefined) goals.push(goal('whole-tree warm callers peak RSS', GOALS.wholeTreeRssMB, wholeQuery.peakRssMB, 'MB'));
    }

    const result = {
      kernel: { root, version: kernelVersion(root) ?? null, scope, files: scan.files.length, megabytes: +(bytes / 1e6).toFixed(1) },
      machine: { cores: os.availableParallelism(), workers, node: process.version },
      rounds,
      statistic: 'median',
      cold: {
        netpath: { seconds: +coldS.toFixed(3), runs: cold.map((c) => +c.seconds.toFixed(3)), peakRssMB: coldRss, functions: cold[0].functions },
        floor: { seconds: +floorS.toFixed(3), runs: floor.map((f) => +f.seconds.toFixed(3)), peakRssMB: maxDefined(floor.map((f) => f.peakRssMB)) },
        ...Object.fromEntries([...tools].map(([k, v]) => [k, { seconds: +toolS[k].toFixed(3), runs: v.map((x) => +x.seconds.toFixed(3)), peakRssMB: maxDefined(v.map((x) => x.peakRssMB)) }])),
      },
      ratios: {
        coldOverFloor: +(coldS / floorS).toFixed(3),
        ...Object.fromEntries(Object.entries(toolS).map(([k, v]) => [`coldOver${k[0].toUpperCase()}${k.slice(1)}`, +(coldS / v).toFixed(3)])),
      },
      warm: { seconds: +warmS.toFixed(3), runs: warm.map((w) => +w.seconds.toFixed(3)), engineSeconds: +median(warm.map((w) => w.engineSeconds)).toFixed(3), peakRssMB: Math.max(...warm.map((w) => w.peakRssMB)) },
      reindex: { file: reindex.file, ms: +reindexMs.toFixed(2), runs: reindex.ms.map((m) => +m.toFixed(2)) },
      graph,
      queries,
      lookups,
      wholeTree: whole ? { files: whole.files, seconds: +whole.seconds.toFixed(2), indexSeconds: +whole.engineSeconds.toFixed(2), peakRssMB: whole.peakRssMB, functions: whole.functions,
        graph: whole.graph ?? null, warmCallers: wholeQuery ? { seconds: +wholeQuery.seconds.toFixed(2), peakRssMB: wholeQuery.peakRssMB ?? null } : null,
        floorSeconds: wholeFloor ? +wholeFloor.seconds.toFixed(2) : null, overFloor: wholeFloor ? +(whole.seconds / wholeFloor.seconds).toFixed(3) : null } : null,
      commands: Object.fromEntries(TOOLS.map((t) => [t.name, t.describe('<list>', '<tmp>')])),
      goals,
    };

    if (!jsonOnly) process.stdout.write(report(result, goals, toolS, coldS, floorS, coldRss, floor, tools));
    process.stdout.write(JSON.stringify(result) + '\n');
    return args.flags.has('strict') && goals.some((g) => !g.pass) ? 3 : 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Open the warm index in this process, then re-index one mid-size file after touching it.
 * The file's contents are never changed; its original atime and mtime are put back.
 */
async function measureReindex(root: string, scope: string[], cacheRoot: string, files: string[]): Promise<{ file: string; ms: number[] }> {
  const preferred = 'net/ipv4/udp.c';
  let rel = files.includes(preferred) ? preferred : undefined;
  if (!rel) {
    const cs = files.filter((f) => f.endsWith('.c')).map((f) => ({ f, size: fs.statSync(path.join(root, f)).size })).sort((a, b) => a.size - b.size);
    rel = (cs.length ? cs : files.map((f) => ({ f, size: 0 })))[Math.floor(cs.length * 0.9)]?.f ?? files[0];
  }
  const idx = await KernelIndex.open(root, { scope, cacheRoot });
  const abs = path.join(root, rel);
  const st = fs.statSync(abs);
  const ms: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      fs.utimesSync(abs, st.atime, new Date(Date.now()));
      const t0 = process.hrtime.bigint();
      const r = await idx.reindexFile(rel);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!r.ok) throw new Error(`re-index of ${rel} failed: ${r.skip.reason}`);
    }
  } finally {
    fs.utimesSync(abs, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
  return { file: rel, ms };
}

/**
 * A build started while the benchmark runs (`npm run build` empties dist/) must not pull the
 * CLI, worker or grammar from under it: run the whole benchmark from a private copy of dist/.
 */
function runFromSnapshot(argv: string[]): number {
  const snap = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-bench-dist-'));
  try {
    fs.cpSync(__dirname, snap, { recursive: true, filter: (src) => !src.endsWith('.map') });
    const r = spawnSync(process.execPath, [path.join(snap, path.basename(__filename)), ...argv],
      { stdio: 'inherit', env: { ...process.env, NETPATH_BENCH_SNAPSHOT: '1' } });
    return r.status ?? 1;
  } finally {
    fs.rmSync(snap, { recursive: true, force: true });
  }
}

/** Child mode: raw tree-sitter parse of every listed file in the engine's worker pool. */
async function parseFloorChild(argv: string[]): Promise<number> {
  const [root, listFile, workers] = argv;
  const files = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const t0 = process.hrtime.bigint();
  await indexInPool(files, { root, workers: Number(workers), mode: 'parse-only', onResult: () => undefined });
  process.stdout.write(JSON.stringify({ files: files.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }) + '\n');
  return 0;
}

function goal(name: string, limit: number, value: number, unit: string): Goal {
  return { name, limit, value: +value.toFixed(unit === 'ms' ? 1 : 3), unit, pass: value <= limit };
}

function report(
  result: { queries: Parameters<typeof formatWarmQueries>[0]; lookups: Parameters<typeof formatWarmLookups>[0]; rounds: number; kernel: { version: string | null; scope: string[]; files: number; megabytes: number }; machine: { cores: number; workers: number }; warm: { seconds: number; engineSeconds: number; peakRssMB: number }; reindex: { file: string; ms: number }; wholeTree: { files: number; seconds: number; indexSeconds: number; peakRssMB: number; graph: { edges: number; seconds: number } | null; warmCallers: { seconds: number; peakRssMB: number | null } | null; floorSeconds: number | null; overFloor: number | null } | null; graph: GraphStats; commands: Record<string, string> },
  goals: Goal[], toolS: Record<string, number>, coldS: number, floorS: number, coldRss: number,
  floor: Array<{ peakRssMB?: number }>, tools: Map<string, Array<{ peakRssMB?: number }>>,
): string {
  const k = result.kernel;
  const lines: string[] = [];
  lines.push(`netpath benchmark: Linux ${k.version ?? '?'}, scope ${k.scope.join(',')}, ${k.files} files (${k.megabytes} MB)`);
  lines.push(`${result.machine.cores} cores, ${result.machine.workers} workers. Cold times are the median of ${result.rounds} interleaved rounds; ratios use anchors measured in this run.`);
  lines.push('');
  const rows: Array<[string, string, string, string]> = [['', 'seconds', 'netpath / this', 'peak RSS']];
  const rss = (v: number | undefined) => (v === undefined ? '-' : `${v} MB`);
  rows.push(['netpath cold (index + cache)', coldS.toFixed(2), '1.00', rss(coldRss)]);
  rows.push(['tree-sitter parse-only floor', floorS.toFixed(2), (coldS / floorS).toFixed(2), rss(maxDefined(floor.map((f) => f.peakRssMB)))]);
  for (const [name, s] of Object.entries(toolS)) {
    rows.push([name, s.toFixed(2), (coldS / s).toFixed(2), rss(maxDefined(tools.get(name)!.map((x) => x.peakRssMB)))]);
  }
  rows.push(['netpath warm start (median of 3)', result.warm.seconds.toFixed(2), '', rss(result.warm.peakRssMB)]);
  rows.push([`netpath re-index ${result.reindex.file} (median of 5)`, (result.reindex.ms / 1000).toFixed(3), '', '']);
  if (result.wholeTree) {
    const wt = result.wholeTree;
    rows.push([`netpath whole tree cold, index + call graph (${wt.files} files)`, wt.seconds.toFixed(2), '', rss(wt.peakRssMB)]);
    rows.push(['  of which the index', wt.indexSeconds.toFixed(2), '', '']);
    if (wt.graph) rows.push([`  of which the call graph (${wt.graph.edges} calls, built + saved)`, wt.graph.seconds.toFixed(2), '', '']);
    if (wt.warmCallers) rows.push(['netpath whole tree warm callers ip_rcv', wt.warmCallers.seconds.toFixed(2), '', rss(wt.warmCallers.peakRssMB ?? undefined)]);
    if (result.wholeTree.floorSeconds !== null) rows.push(['whole tree parse-only floor', result.wholeTree.floorSeconds.toFixed(2), String(result.wholeTree.overFloor), '']);
  }
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) lines.push(`${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}`);
  lines.push('');
  lines.push(`warm start inside the engine (without node start-up): ${result.warm.engineSeconds.toFixed(2)} s`);
  const g = result.graph;
  lines.push(`call graph: ${g.edges} edges built in ${g.seconds.toFixed(1)} s; ${g.indirectSites} indirect call sites, ${g.resolvedSites} resolved (${(g.resolvedFraction * 100).toFixed(1)} %)`);
  lines.push(...formatWarmQueries(result.queries));
  lines.push('', ...formatWarmLookups(result.lookups).filter((l) => !l.startsWith('GOAL')), '');
  lines.push(`  candidates per resolved site: mean ${g.meanCandidates.toFixed(2)}, median ${g.medianCandidates}; naive field-name matching: mean ${g.naive.meanCandidates.toFixed(2)}, median ${g.naive.medianCandidates} over ${g.naive.resolvedSites} sites`);
  if (!haveGnuTime()) lines.push('peak RSS of external tools needs /usr/bin/time (Debian package "time")');
  for (const [name, cmd] of Object.entries(result.commands)) lines.push(`${name}: ${cmd}`);
  lines.push('');
  for (const g of goals) lines.push(`GOAL ${g.name} ≤ ${g.limit}${g.unit ? ` ${g.unit}` : ''}: ${g.value}${g.unit ? ` ${g.unit}` : ''} ${g.pass ? 'PASS' : 'FAIL'}`);
  return lines.join('\n') + '\n';
}

function maxDefined(xs: Array<number | undefined>): number | undefined {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length ? Math.max(...d) : undefined;
}

function intOption(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
