// `netpath`: the same engine as the language server, headless.
import { pathPicture } from './path-picture';
import * as path from 'node:path';
import { KernelIndex, CancelledError, type IndexStats, type LogLevel } from '../engine/indexer';
import { NotAKernelTreeError } from '../engine/kernel-tree';
import { parseArgs, UsageError, type ParsedArgs } from './args';
import { ProgressBar } from './progress';
import { findDefinitions, findReferences } from '../engine/symbols';
import { printLookup } from './lookup-output';
import type { CallGraph } from '../engine/callgraph/graph';
import { AnalysisHost, type Analysis, type GraphInfo } from '../engine/analysis/snapshot';
import { graphKey, loadGraphFile } from '../engine/callgraph/graph-store';
import type { ResolutionStats } from '../engine/callgraph/types';
import { runCounterSites, runExplain, runDrops } from './drops';
import { LiveUsageError, checkLiveOptions, runLiveDrops } from '../live-drops/cli';
import { runTrace } from './trace';
import { CountersUsageError, runCounters } from '../../../live-counters/cli';
import { kernelVersion } from '../engine/kernel-tree';
import { generateProbe, type ProbeRequest } from '../engine/probes/generate';
import { ProbeError } from '../engine/probes/types';
import { parseKallsyms } from '../engine/probes/kallsyms';
import { localStapVersion } from '../engine/probes/tool-versions';
import { localTraceFacts, type TraceFacts } from '../engine/probes/host-facts';
import { hostFacts } from '../engine/probes/host-cache';
import { LOCAL_HOST } from '../engine/probes/host-collect';
import { HostFactsError } from '../engine/probes/host-facts-parse';
import { targetFromHost, targetFromKallsyms, type TargetFacts } from '../engine/probes/target';
import { validateHost } from '../../../live-counters/ssh-host';
import * as fs from 'node:fs';

const USAGE = `netpath: explore the Linux kernel network receive path

usage:
  netpath index <kernel-dir> [--scope S] [--rebuild] [--workers N] [--no-graph] [--json]
  netpath def <symbol>  [--kernel <dir>] [--json]
  netpath refs <symbol> [--kernel <dir>] [--json]
  netpath callers <function> [--kernel <dir>] [--json]
  netpath callees <function> [--kernel <dir>] [--json]
  netpath path <from> <to> [--max N] [--via F,..] [--avoid F,..] [--max-candidates N] [--format text|dot|svg] [--kernel <dir>] [--json]
  netpath drops <function|file> [--kernel <dir>] [--json]
  netpath drops --path <from> <to> [--kernel <dir>] [--json]
  netpath drops --live [--host H|local] [--sudo] [--source auto|bpftrace|tracefs] [--debuginfo F] [--duration S] [--interval S] [--ssh-config F] [--kernel <dir>] [--json]
  netpath counter-sites <counter> [--driver D] [--kernel <dir>] [--json]   (--driver: a device counter's driver, e.g. virtio_net, loopback, veth)
  netpath explain <counter> [--kernel <dir>] [--json]
                   (<counter>: RcvbufErrors, Udp:RcvbufErrors, "Udp RcvbufErrors", UdpRcvbufErrors, Udp6RcvbufErrors, time_squeeze, ...)
  netpath trace [file|-] [--kernel <dir>] [--json]
  netpath counters [--host H] [--interval S] [--count N] [--ssh-config F] [--json]
  netpath probe <function> [--line N | --drops] [--file F] [--format stap|bpftrace] [--host H | --kallsyms F] [--debuginfo DIR] [--stap-version V] [--kprobes yes|no] [--kernel <dir>]
  netpath probe --path <from> <to> [--format stap|bpftrace] [--host H | --kallsyms F] [--kernel <dir>]

options:
  --kernel <dir>   kernel tree (default: the current directory)
  --scope S        comma-separated folders to index, or "all" (default: net,drivers/net,include)
  --rebuild        ignore the cache and index everything again
  --workers N      index worker threads (default: number of cores)
  --cache <dir>    cache folder (default: $NETPATH_CACHE or ~/.cache/netpath)
  --no-graph       index: the index alone (no call graph, no symbols lookup for warm def/refs)
  --max N          path: how many chains, most likely first (default 3)
  --via F,G        path: chains through these functions, in order
  --avoid F,G      path: chains that do not pass these functions
  --max-candidates N  path: leave out indirect calls with more than N candidates
  --line N         probe: a statement probe on line N of the function's file
  --drops          probe: which drop site of the function fires
  --path           probe: one probe per hop of the shortest chain <from> -> <to>
  --file F         probe: the function's file (tree-relative) when its name is defined in several
  --format F       probe: script language, stap (SystemTap, the default) or bpftrace;
                   path: text (the default), or the receive path map as dot (Graphviz) or svg
  --kprobes yes|no probe, bpftrace: whether the target can attach kprobes (default: not known, a script for any
                   target; the header says what this machine lacks to run it; --host H checks H and refuses
                   what H cannot run)
  --kallsyms F     probe: flag probed functions missing from the target's /proc/kallsyms (a copy, or the file)
  --debuginfo DIR  probe: the target's debug build (unpacked linux-image-*-dbg, or a folder with vmlinux and .ko
                   files): statement probes go on lines its line table has records for;
                   drops --live: the host kernel's vmlinux (or that folder) turns each location into its exact line
  --stap-version V probe: the SystemTap the script is for (default: this machine's stap -V); on 6.12+
                   trees kernel.trace() is left out below 5.1
  --host H         probe: fit the script to host H (ssh, read-only, no root; or local): its kallsyms, modules,
                   config, stap/bpftrace versions and tracing; facts cached 15 min (--refresh-host asks again)
  --host H         counters: an ssh host (a Host of ~/.ssh/config, or [user@]name); default: this machine
  --interval S     counters: seconds between snapshots, 1 to 3600 (default 1)
  --count N        counters: stop after N snapshots
  --ssh-config F   counters: ssh_config file given to ssh with -F
  --live           drops: watch skb:kfree_skb on the host as root (its own tracefs instance, restored on
                   every exit) and attribute each freeing location to the tree's drop sites, per interval
  --sudo           drops --live: run the host's script with sudo -n (when ssh does not log in as root)
  --duration S     drops --live: stop after S seconds (default: until Ctrl-C)
  --source S       drops --live: auto (bpftrace when the host has it, else tracefs), bpftrace or tracefs
  --json           machine-readable output on stdout
  --verbose        log skipped files and cache decisions to stderr
`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'rebuild', 'verbose', 'help', 'quiet', 'no-graph', 'drops', 'path', 'refresh-host', 'live', 'sudo'], options: ['kernel', 'scope', 'workers', 'cache', 'max', 'line', 'file', 'format', 'kallsyms', 'host', 'interval', 'count', 'ssh-config', 'via', 'avoid', 'max-candidates', 'debuginfo', 'stap-version', 'kprobes', 'driver', 'source', 'duration'] });
  const [cmd, ...rest] = args.positional;
  if (!cmd || args.flags.has('help') || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd || args.flags.has('help') ? 0 : 2;
  }
  switch (cmd) {
    case 'index':
      return runIndex(rest[0] ?? args.options.get('kernel') ?? '.', args);
    case 'def':
    case 'refs':
      if (!rest[0]) throw new UsageError(`netpath ${cmd} needs a symbol name`);
      return runLookup(cmd, rest[0], args);
    case 'callers':
    case 'callees':
      if (!rest[0]) throw new UsageError(`netpath ${cmd} needs a function name`);
      return runCalls(cmd, rest[0], args);
    case 'probe':
      return runProbe(rest, args);
    case 'counters':
      return runCounters({ host: args.options.get('host'), interval: args.options.get('interval'), count: args.options.get('count'), sshConfig: args.options.get('ssh-config'), json: args.flags.has('json') });
    case 'drops':
      if (args.flags.has('live')) return runLive(rest, args);
      return runDrops(rest, args, () => loadGraph(args));
    case 'counter-sites':
      return runCounterSites(rest, args, () => loadGraph(args));
    case 'explain':
      return runExplain(rest, args, () => loadGraph(args));
    case 'trace':
      return runTrace(rest, args, () => loadGraph(args));
    case 'path':
      if (!rest[0] || !rest[1]) throw new UsageError('netpath path needs <from> <to>');
      return runPath(rest[0], rest[1], args);
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

async function openIndex(dir: string, args: ParsedArgs, progressLabel: string): Promise<KernelIndex> {
  const verbose = args.flags.has('verbose');
  const bar = new ProgressBar(process.stderr, progressLabel, !args.flags.has('quiet'));
  const log = (level: LogLevel, msg: string) => {
    if (level === 'error' || (verbose && (level !== 'debug' || process.env.NETPATH_DEBUG)) || (level === 'warn' && !msg.startsWith('skipped '))) {
      bar.clear();
      process.stderr.write(`netpath: ${level}: ${msg}\n`);
    }
  };
  const workers = args.options.has('workers') ? Number(args.options.get('workers')) : undefined;
  if (workers !== undefined && !(Number.isInteger(workers) && workers > 0)) throw new UsageError('--workers must be a positive integer');
  try {
    return await KernelIndex.open(path.resolve(dir), {
      scope: args.options.get('scope'),
      cacheRoot: args.options.get('cache'),
      rebuild: args.flags.has('rebuild'),
      workers,
      log,
      onProgress: (done, total) => bar.update(done, total),
      onLockWait: (owner) => {
        bar.clear();
        process.stderr.write(`netpath: waiting for ${owner ? `pid ${owner.pid}` : 'another netpath process'} writing the index cache (an editor indexing this tree?)\n`);
      },
    });
  } finally {
    bar.done();
  }
}

async function runIndex(dir: string, args: ParsedArgs): Promise<number> {
  const idx = await openIndex(dir, args, 'indexing');
  const s = idx.stats();
  // `seconds` is the index alone; the graph comes after it (built and saved beside the index,
  // or loaded when the saved one matches) and is timed on its own.
  let graph: GraphSummary | undefined;
  if (!args.flags.has('no-graph')) {
    // Like the graph, derived from the index and kept beside it. Written before the graph, not
    // beside its worker: on two cores that was slower than one after the other, and the whole
    // tree's graph needs the memory.
    writeSymbolsLookupOf(idx);
    const a = analysisOf(idx, args, { rebuild: args.flags.has('rebuild') });
    const g = await a.graph();
    const info = a.graphInfo!;
    graph = { ...g.stats, edges: g.edgeCount, seconds: info.seconds, source: info.source, ...(info.bytes ? { bytes: info.bytes } : {}) };
  }
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify({ ...s, cacheDir: idx.cacheDir, skippedFiles: idx.skipped, ...(graph ? { graph } : {}) }) + '\n');
  } else {
    process.stdout.write(formatStats(s, idx));
    if (graph) process.stdout.write(formatGraph(graph));
  }
  return 0;
}

type GraphSummary = ResolutionStats & { edges: number; seconds: number; source: GraphInfo['source']; bytes?: number };

function formatGraph(g: GraphSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const size = g.bytes ? `; ${(g.bytes / 1e6).toFixed(1)} MB saved with the index` : '';
  return [
    '',
    `call graph               ${g.edges} edges, ${g.source === 'loaded' ? 'loaded' : 'built'} in ${g.seconds.toFixed(1)} s${size}`,
    `indirect call sites      ${g.indirectSites} (fields, variables, dispatch macros)`,
    `resolved                 ${g.resolvedSites} (${pct(g.resolvedFraction)})`,
    `candidates per resolved  mean ${g.meanCandidates.toFixed(2)}, median ${g.medianCandidates}`,
    `naive (field name only)  ${g.naive.resolvedSites} sites, mean ${g.naive.meanCandidates.toFixed(2)}, median ${g.naive.medianCandidates}`,
    '',
  ].join('\n');
}

function formatStats(s: IndexStats, idx: KernelIndex): string {
  const rows: Array<[string, string | number]> = [
    ['tree', `${s.root}${s.version ? ` (Linux ${s.version})` : ''}`],
    ['scope', s.scope.join(', ')],
    ['files', s.files],
    ['functions', s.functions],
    ['call sites', s.calls],
    ['gotos', s.gotos],
    ['labels', s.labels],
    ['address-taken functions', s.addressTaken],
    ['dispatch macro calls', s.macroCalls],
    ['files with parse errors', s.filesWithParseErrors],
    ['files skipped', s.skipped],
    ['parsed now / from cache', `${s.indexed} / ${s.fromCache}`],
    ['seconds', s.seconds.toFixed(2)],
    ['peak RSS', `${s.peakRssMB} MB`],
    ['cache', idx.cacheDir],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  let out = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
  if (idx.skipped.length) {
    out += '\nskipped:\n' + idx.skipped.slice(0, 20).map((x) => `  ${x.path}: ${x.reason}`).join('\n') + '\n';
    if (idx.skipped.length > 20) out += `  ... and ${idx.skipped.length - 20} more (--json lists all)\n`;
  }
  return out;
}

async function runLookup(cmd: 'def' | 'refs', name: string, args: ParsedArgs): Promise<number> {
  const idx = await openIndex(args.options.get('kernel') ?? '.', args, 'loading index');
  const code = printLookup(cmd, name, cmd === 'def' ? findDefinitions(idx.files, name) : findReferences(idx.files, name), idx.scope, args.flags.has('json'));
  writeSymbolsLookupOf(idx);
  return code;
}

/** The symbols lookup beside the index, unless it is current: the next `def` or `refs` reads one block of it. */
function writeSymbolsLookupOf(idx: KernelIndex): void {
  try {
    idx.ensureSymbolsLookup();
  } catch (e) {
    process.stderr.write(`netpath: warn: symbols lookup not written: ${(e as Error).message}\n`);
  }
}

/**
 * The analysis of an opened index: its call graph is loaded from the graph file beside the index
 * when that was built from this index state, else built here and saved (`--verbose` says which).
 */
function analysisOf(idx: KernelIndex, args: ParsedArgs, opts: { rebuild?: boolean } = {}): Analysis {
  const verbose = args.flags.has('verbose');
  const host = new AnalysisHost({
    ...opts,
    log: (level, msg) => {
      if (level === 'error' || level === 'warn' || verbose) process.stderr.write(`netpath: ${level}: ${msg}\n`);
    },
  });
  host.setIndex(idx);
  return host.analysis()!;
}

/**
 * The call graph alone (path, callers, callees): when the tree in scope is what the cache holds
 * (a scan and a stat per file) and the saved graph was built from that state, it is loaded without
 * reading or checking a single shard of facts. Otherwise the index is opened (and brought up to
 * date) as for any query, and the graph loaded or built and saved.
 */
async function loadGraphOnly(args: ParsedArgs): Promise<CallGraph> {
  const verbose = args.flags.has('verbose');
  const quick = KernelIndex.openCached(path.resolve(args.options.get('kernel') ?? '.'), { scope: args.options.get('scope'), cacheRoot: args.options.get('cache'), verifyShards: false });
  const state = quick?.matchesDisk() ? quick.stateFingerprint() : undefined;
  if (quick && state) {
    const r = loadGraphFile(quick.cacheDir, graphKey(state), quick.files);
    if ('graph' in r) {
      if (verbose) process.stderr.write(`netpath: info: call graph loaded: ${r.graph.nodes.length} functions, ${r.graph.edgeCount} calls in ${r.seconds.toFixed(2)} s, ${(r.bytes / 1e6).toFixed(1)} MB (index unchanged on disk; no facts read)\n`);
      return r.graph;
    }
    if (verbose) process.stderr.write(`netpath: info: call graph: ${r.problem}\n`);
  }
  return (await loadGraph(args)).graph;
}

async function loadGraph(args: ParsedArgs): Promise<{ idx: KernelIndex; graph: CallGraph; analysis: Analysis }> {
  const idx = await openIndex(args.options.get('kernel') ?? '.', args, 'loading index');
  const analysis = analysisOf(idx, args);
  return { idx, graph: await analysis.graph(), analysis };
}

/** `drops --live`: options checked first, then the index and graph loaded, then the host session. */
async function runLive(rest: string[], args: ParsedArgs): Promise<number> {
  if (rest.length) throw new UsageError('netpath drops --live takes no function or file: it watches every freeing location of the host');
  const o = { host: args.options.get('host'), sudo: args.flags.has('sudo'), duration: args.options.get('duration'), interval: args.options.get('interval'), sshConfig: args.options.get('ssh-config'), source: args.options.get('source'), debuginfo: args.options.get('debuginfo'), json: args.flags.has('json') };
  checkLiveOptions(o);
  const { idx, graph, analysis } = await loadGraph(args);
  return runLiveDrops(o, { engine: await analysis.drops(), graph, version: kernelVersion(idx.root) });
}

async function runCalls(cmd: 'callers' | 'callees', name: string, args: ParsedArgs): Promise<number> {
  const graph = await loadGraphOnly(args);
  const ids = graph.idsOf(name);
  if (!ids.length) {
    process.stderr.write(`netpath: no function "${name}" in the index\n`);
    return 1;
  }
  const edges = ids.flatMap((id) => Array.from(cmd === 'callers' ? graph.inOf(id) : graph.outOf(id), (e) => graph.hop(graph.edgeAt(e))));
  edges.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  // Invokers outside the indexed scope (timers, RCU, initcalls, fields only other code calls).
  const external = cmd === 'callers' ? ids.flatMap((id) => graph.external.get(id) ?? []) : [];
  if (args.flags.has('json')) process.stdout.write(JSON.stringify({ function: name, [cmd]: edges, ...(external.length ? { external } : {}) }) + '\n');
  else {
    for (const h of edges) process.stdout.write(`${h.caller} -> ${h.callee}\t${h.file}:${h.line}\t${h.kind}${h.candidates ? ` (${h.candidates} candidates)` : ''}\n`);
    for (const x of external) process.stdout.write(`[external] ${x.via} -> ${name}\t${x.file}:${x.line}\texternal\n`);
  }
  return 0;
}

/**
 * bpftrace without --host: a script for a generic target, with this machine's facts for the header
 * only (users generate on one machine and run on another). --kprobes says what the target has:
 * then it decides, as a host's facts do (without this machine's drop-reason names, another kernel's).
 */
function traceFactsFor(kprobes: string | undefined): { traceFacts: TraceFacts } | { here: TraceFacts } {
  return kprobes === undefined ? { here: localTraceFacts() } : { traceFacts: { kprobes: kprobes === 'yes', source: `--kprobes ${kprobes}` } };
}

/**
 * What `netpath probe` fits the script to: a host's facts (--host, collected over ssh or locally,
 * cached), or a kallsyms copy (--kallsyms F); both become TargetFacts. A number is the exit code
 * of a failure already reported.
 */
async function probeTarget(args: ParsedArgs): Promise<TargetFacts | undefined | number> {
  const host = args.options.get('host');
  const kallsymsFile = args.options.get('kallsyms');
  if (host !== undefined && kallsymsFile !== undefined) throw new UsageError('--host and --kallsyms cannot be combined (the host\'s facts include its kallsyms)');
  if (host !== undefined) {
    if (host !== LOCAL_HOST) {
      try {
        validateHost(host);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    try {
      const { facts, fromCache } = await hostFacts(host, { refresh: args.flags.has('refresh-host'), ...(args.options.has('ssh-config') ? { sshConfig: args.options.get('ssh-config') } : {}), ...(args.options.has('cache') ? { cacheRoot: args.options.get('cache') } : {}) });
      if (!args.flags.has('quiet')) process.stderr.write(`netpath: facts of ${host} (${facts.release}) ${fromCache ? `from the cache, collected ${facts.collectedAt}` : 'collected now'}\n`);
      return targetFromHost(facts);
    } catch (e) {
      if (!(e instanceof HostFactsError)) throw e;
      process.stderr.write(`netpath: ${e.message}\n`);
      return 1;
    }
  }
  if (kallsymsFile === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(kallsymsFile, 'utf8');
  } catch (e) {
    process.stderr.write(`netpath: cannot read --kallsyms ${kallsymsFile}: ${(e as Error).message}\n`);
    return 1;
  }
  const table = parseKallsyms(text);
  if (!table.size) {
    process.stderr.write(`netpath: ${kallsymsFile} has no text symbols: not a /proc/kallsyms listing\n`);
    return 1;
  }
  return targetFromKallsyms(table, kallsymsFile);
}

/** `netpath probe`: a SystemTap or bpftrace script on stdout; bad input is a usage error or exit 1 with the reason. */
async function runProbe(rest: string[], args: ParsedArgs): Promise<number> {
  const format = args.options.get('format') ?? 'stap';
  if (format !== 'stap' && format !== 'bpftrace') throw new UsageError(`--format ${format} is not supported (stap or bpftrace)`);
  const kprobesOpt = args.options.get('kprobes');
  if (kprobesOpt !== undefined && kprobesOpt !== 'yes' && kprobesOpt !== 'no') throw new UsageError('--kprobes takes yes or no');
  const modes = ['line', 'drops', 'path'].filter((m) => args.flags.has(m) || args.options.has(m));
  if (modes.length > 1) throw new UsageError(`--${modes.join(', --')} cannot be combined`);
  const file = args.options.get('file');
  let req: ProbeRequest;
  if (args.flags.has('path')) {
    if (rest.length !== 2) throw new UsageError('netpath probe --path needs <from> <to>');
    req = { mode: 'path', from: rest[0], to: rest[1] };
  } else {
    if (rest.length !== 1) throw new UsageError('netpath probe needs one function name');
    if (args.options.has('line')) {
      const line = Number(args.options.get('line'));
      if (!Number.isInteger(line) || line < 1) throw new UsageError('--line must be a positive line number');
      req = { mode: 'line', function: rest[0], file, line };
    } else {
      req = { mode: args.flags.has('drops') ? 'drops' : 'function', function: rest[0], file };
    }
  }
  const target = await probeTarget(args);
  if (typeof target === 'number') return target;
  // --kprobes overrides what the facts say (a host whose tracefs could not be read without root).
  if (target?.trace && kprobesOpt !== undefined) target.trace = { ...target.trace, kprobes: kprobesOpt === 'yes', source: `--kprobes ${kprobesOpt}` };
  const idx = await openIndex(args.options.get('kernel') ?? '.', args, 'loading index');
  try {
    const analysis = analysisOf(idx, args);
    const probe = await generateProbe({
      files: idx.files, kbuild: idx.kbuild, version: kernelVersion(idx.root), graph: () => analysis.graph(), ...(target ? { target } : {}),
      dropSites: async (fn) => (await analysis.drops()).sites(fn.name),
      ...(args.options.has('debuginfo') ? { debuginfo: path.resolve(args.options.get('debuginfo')!) } : {}),
      stapVersion: args.options.get('stap-version') ?? localStapVersion(),
      ...(format === 'bpftrace' ? traceFactsFor(kprobesOpt) : {}),
    }, req, format);
    process.stdout.write(probe.text);
    return 0;
  } catch (e) {
    if (!(e instanceof ProbeError)) throw e;
    process.stderr.write(`netpath: ${e.message}\n`);
    return 1;
  }
}

async function runPath(from: string, to: string, args: ParsedArgs): Promise<number> {
  const max = args.options.has('max') ? Number(args.options.get('max')) : 3;
  if (!Number.isInteger(max) || max < 1) throw new UsageError('--max must be a positive integer');
  const graph = await loadGraphOnly(args);
  for (const n of [from, to]) {
    if (!graph.idsOf(n).length) {
      process.stderr.write(`netpath: no function "${n}" in the index\n`);
      return 1;
    }
  }
  const list = (o: string) => (args.options.get(o) ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const via = list('via');
  const avoid = list('avoid');
  for (const n of [...via, ...avoid]) {
    if (!graph.idsOf(n).length) {
      process.stderr.write(`netpath: no function "${n}" in the index\n`);
      return 1;
    }
  }
  let maxCandidates: number | undefined;
  if (args.options.has('max-candidates')) {
    maxCandidates = Number(args.options.get('max-candidates'));
    if (!Number.isInteger(maxCandidates) || maxCandidates < 1) throw new UsageError('--max-candidates must be a positive integer');
  }
  const opts = { via, avoid, ...(maxCandidates !== undefined ? { maxCandidates } : {}) };
  const format = args.options.get('format') ?? 'text';
  if (format !== 'text' && format !== 'dot' && format !== 'svg') throw new UsageError(`--format for path is text, dot or svg, not "${format}"`);
  if (format !== 'text') {
    // The map shows each function's drop sites: that needs the index's facts, not only the graph.
    const { text } = await pathPicture(await loadGraph(args), { from, to, max, opts }, format);
    if (!text) {
      process.stderr.write(`netpath: no call chain from ${from} to ${to}\n`);
      return 1;
    }
    process.stdout.write(text);
    return 0;
  }
  const paths = graph.rankedPaths(from, to, max, opts);
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify({ from, to, ...(via.length ? { via } : {}), ...(avoid.length ? { avoid } : {}), paths }) + '\n');
  } else {
    paths.forEach((p, i) => {
      process.stdout.write(`path ${i + 1} (${p.hops.length} hops, cost ${p.cost})\n`);
      for (const h of p.hops) {
        process.stdout.write(`  ${h.caller} -> ${h.callee}\t${h.file}:${h.line}\t${h.kind}${h.candidates ? ` (${h.candidates} candidates)` : ''}\tcost ${h.cost}${h.why ? `\t${h.why}` : ''}\n`);
      }
    });
  }
  if (!paths.length) {
    const how = [via.length ? ` via ${via.join(', ')}` : '', avoid.length ? ` avoiding ${avoid.join(', ')}` : '', maxCandidates ? ` with at most ${maxCandidates} candidates a hop` : ''].join('');
    process.stderr.write(`netpath: no call chain from ${from} to ${to}${how}\n`);
    return 1;
  }
  return 0;
}

/** Runs the CLI on `argv` (the bin, cli/entry.ts, calls it when no lookup file can answer). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof UsageError || e instanceof CountersUsageError || e instanceof LiveUsageError) {
        process.stderr.write(`netpath: ${e.message}\n\n${USAGE}`);
        process.exit(2);
      }
      if (e instanceof NotAKernelTreeError || e instanceof CancelledError) {
        process.stderr.write(`netpath: ${e.message}\n`);
        process.exit(1);
      }
      process.stderr.write(`netpath: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
