// `npm run bench -- traces <kernel-dir> [--traces DIR] [--budget S] [--json]`
//
// How well the call graph explains real, published kernel stack traces (test/fixtures/traces):
// - pair recall: consecutive reliable frames (caller = outer, callee = inner) where the caller
//   reaches the callee within MAX_INFERRED_HOPS calls; each miss classified as version drift or a
//   resolution gap;
// - path agreement: on each trace's longest run of frames whose pairs all resolve, whether one of
//   the graph's first k chains (paths(outermost, innermost, k)) passes through those frames in order;
// - address-taken functions with no caller in the graph, and candidates per resolved indirect site.
// Uses the warm index (the default cache), so it takes the index load plus the graph build, and
// the path searches, which are bounded by --budget.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { CallGraph } from '../server/src/engine/callgraph/graph';
import { KernelIndex } from '../server/src/engine/indexer';
import { kernelVersion } from '../server/src/engine/kernel-tree';
import { parseTrace } from '../server/src/engine/traces/parse-trace';
import { bestChains, mapStack, MAX_INFERRED_HOPS, type MappedStack } from '../server/src/engine/traces/map-trace';

const GOALS = { pairRecall: 0.98, top3: 0.8, top1: 0.6, meanCandidates: 4 };
const USAGE = 'usage: npm run bench -- traces <kernel-dir> [--traces DIR] [--budget SECONDS] [--json]\n';
const say = (s: string) => process.stderr.write(`bench traces: ${s}\n`);

type MissClass = 'drift: not in the index' | 'drift: no longer called' | 'resolution gap';
interface Miss { trace: string; caller: string; callee: string; class: MissClass; line: number }

export interface TraceBenchResult {
  tree: string;
  version: string | undefined;
  traces: number;
  stacks: number;
  pairs: { total: number; interrupts: number; notInIndex: number; evaluated: number; reached: number; drift: number; gaps: number; recall: number; recallOfNonDrift: number };
  agreement: { segments: number; evaluated: number; top1: number; top3: number; leftForBudget: number };
  /** withoutCaller: neither an indexed caller nor a known invoker outside the scope (graph.external). */
  addressTaken: { functions: number; withoutCaller: number; share: number; externalOnly: number };
  candidates: { mean: number; median: number; resolvedSites: number; indirectSites: number };
  misses: Miss[];
  seconds: { load: number; graph: number; map: number; paths: number };
  goals: Array<{ name: string; goal: string; value: string; pass: boolean }>;
}

export async function runTracesBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'help'], options: ['traces', 'budget', 'cache'] });
  if (args.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dir = args.positional[0];
  if (!dir) throw new UsageError('give the kernel tree to measure (npm run bench -- traces <kernel-dir>)');
  const traceDir = path.resolve(args.options.get('traces') ?? path.join(__dirname, '..', 'test', 'fixtures', 'traces'));
  if (!fs.existsSync(traceDir)) throw new Error(`no trace folder at ${traceDir} (--traces DIR)`);
  const budget = Number(args.options.get('budget') ?? 120);
  if (!(budget > 0)) throw new UsageError('--budget must be a positive number of seconds');
  const r = await measure(path.resolve(dir), traceDir, budget, args.options.get('cache'));
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stdout.write(format(r));
  return 0;
}

export async function measure(root: string, traceDir: string, budgetSeconds: number, cacheRoot?: string): Promise<TraceBenchResult> {
  const t0 = performance.now();
  const idx = await KernelIndex.open(root, { cacheRoot, log: (level, m) => level === 'warn' && !m.startsWith('skipped ') && say(m) });
  const t1 = performance.now();
  say(`index of ${idx.files.size} files loaded in ${((t1 - t0) / 1000).toFixed(1)} s`);
  const graph = CallGraph.build(idx.files, idx.knowledge);
  const t2 = performance.now();
  say(`call graph of ${graph.edges.length} calls built in ${((t2 - t1) / 1000).toFixed(1)} s`);
  const open = openFunctions(idx, graph);
  const addressTaken = addressTakenIds(idx, graph);
  const mentions = bodyMentions(idx.root, idx, graph);

  const files = fs.readdirSync(traceDir).filter((f) => f.endsWith('.txt')).sort();
  const pairs = { total: 0, interrupts: 0, notInIndex: 0, evaluated: 0, reached: 0, drift: 0, gaps: 0, recall: 0, recallOfNonDrift: 0 };
  const misses: Miss[] = [];
  const segments: Array<{ trace: string; fns: string[] }> = [];
  let stackCount = 0;
  for (const file of files) {
    const parsed = parseTrace(fs.readFileSync(path.join(traceDir, file), 'utf8'));
    let longest: string[] = [];
    for (const stack of parsed.stacks) {
      stackCount++;
      // Reachability is what is measured here, so the chains are not ranked (see MapOptions).
      const m = mapStack(graph, stack, { rankChains: false });
      for (const l of m.links) {
        pairs.total++;
        const a = m.frames[l.caller];
        const b = m.frames[l.callee];
        if (l.status === 'interrupt') pairs.interrupts++;
        else if (l.status === 'unknown') {
          pairs.notInIndex++;
          misses.push({ trace: file, caller: a.fn, callee: b.fn, class: 'drift: not in the index', line: b.lineNo });
        } else {
          pairs.evaluated++;
          if (l.status === 'direct' || l.status === 'inferred') pairs.reached++;
          else {
            const cls = classify(graph, open, addressTaken, mentions, a.fn, b.fn);
            misses.push({ trace: file, caller: a.fn, callee: b.fn, class: cls, line: b.lineNo });
            if (cls === 'resolution gap') pairs.gaps++;
            else pairs.drift++;
          }
        }
      }
      const run = longestResolvedRun(m);
      if (run.length > longest.length) longest = run;
    }
    if (longest.length >= 3) segments.push({ trace: file, fns: longest });
  }
  pairs.recall = pairs.evaluated ? pairs.reached / pairs.evaluated : 0;
  pairs.recallOfNonDrift = pairs.reached + pairs.gaps ? pairs.reached / (pairs.reached + pairs.gaps) : 0;
  const t3 = performance.now();
  say(`${files.length} traces, ${stackCount} stacks, ${pairs.total} frame pairs mapped in ${((t3 - t2) / 1000).toFixed(1)} s`);

  // Path agreement: one graph search per trace (its longest resolved run), within the budget.
  const agreement = { segments: segments.length, evaluated: 0, top1: 0, top3: 0, leftForBudget: 0 };
  let top1 = 0;
  let top3 = 0;
  const deadline = t3 + budgetSeconds * 1000;
  for (const seg of segments) {
    if (performance.now() > deadline) {
      agreement.leftForBudget++;
      continue;
    }
    const chains = bestChains(graph, seg.fns[0], seg.fns[seg.fns.length - 1], 3);
    const hit = chains.map((hops) => isSubsequence(seg.fns, [hops[0]?.caller, ...hops.map((h) => h.callee)]));
    agreement.evaluated++;
    if (hit[0]) top1++;
    if (hit.slice(0, 3).some(Boolean)) top3++;
  }
  agreement.top1 = agreement.evaluated ? top1 / agreement.evaluated : 0;
  agreement.top3 = agreement.evaluated ? top3 / agreement.evaluated : 0;
  const t4 = performance.now();
  say(`path agreement on ${agreement.evaluated} of ${segments.length} runs in ${((t4 - t3) / 1000).toFixed(1)} s`);

  const noIndexedCaller = [...addressTaken].filter((id) => graph.in[id].length === 0);
  const externalOnly = noIndexedCaller.filter((id) => graph.external.has(id)).length;
  const withoutCaller = noIndexedCaller.length - externalOnly;
  const s = graph.stats;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const goals = [
    { name: 'pair recall (non-drift pairs)', goal: `>= ${pct(GOALS.pairRecall)}`, value: pct(pairs.recallOfNonDrift), pass: pairs.recallOfNonDrift >= GOALS.pairRecall },
    { name: 'path agreement top-3', goal: `>= ${pct(GOALS.top3)}`, value: pct(agreement.top3), pass: agreement.top3 >= GOALS.top3 },
    { name: 'path agreement top-1', goal: `>= ${pct(GOALS.top1)}`, value: pct(agreement.top1), pass: agreement.top1 >= GOALS.top1 },
    { name: 'candidates per resolved site', goal: `<= ${GOALS.meanCandidates}`, value: s.meanCandidates.toFixed(2), pass: s.meanCandidates <= GOALS.meanCandidates },
  ];
  return {
    tree: root, version: kernelVersion(idx.root), traces: files.length, stacks: stackCount, pairs, agreement,
    addressTaken: { functions: addressTaken.size, withoutCaller, share: addressTaken.size ? withoutCaller / addressTaken.size : 0, externalOnly },
    candidates: { mean: s.meanCandidates, median: s.medianCandidates, resolvedSites: s.resolvedSites, indirectSites: s.indirectSites },
    misses,
    seconds: { load: (t1 - t0) / 1000, graph: (t2 - t1) / 1000, map: (t3 - t2) / 1000, paths: (t4 - t3) / 1000 },
    goals,
  };
}

/**
 * Why a caller does not reach its callee. Drift when this tree cannot have the call: nothing in it
 * calls the callee or takes its address, or every function within reach of the caller is fully
 * resolved (no unresolved indirect call, no call leaving the index) and still none leads there.
 * Otherwise the graph may be missing the call: a resolution gap.
 */
/**
 * Why a pair the graph cannot join is missing. Version drift: the tree no longer has that call
 * (nothing calls or takes the address of the callee, or nothing the caller reaches within 4
 * calls names it and none of those has an indirect call left unresolved that could lead there).
 * Otherwise a resolution gap: the code is there and the graph missed it.
 */
function classify(graph: CallGraph, open: Uint8Array, addressTaken: Set<number>, mentions: (id: number, name: string) => boolean, caller: string, callee: string): MissClass {
  const to = graph.idsOf(callee);
  if (to.every((id) => graph.in[id].length === 0 && !addressTaken.has(id) && !graph.external.has(id))) return 'drift: no longer called';
  const indirect = to.some((id) => addressTaken.has(id));
  const seen = new Set<number>(graph.idsOf(caller));
  let level = [...seen];
  for (let depth = 0; depth < MAX_INFERRED_HOPS && level.length; depth++) {
    const next: number[] = [];
    for (const n of level) {
      if (mentions(n, callee)) return 'resolution gap';
      if (indirect && open[n]) return 'resolution gap';
      for (const e of graph.out[n]) {
        const t = graph.edges[e].to;
        if (!seen.has(t)) {
          seen.add(t);
          next.push(t);
        }
      }
    }
    level = next;
  }
  return 'drift: no longer called';
}

/** Does the body of function `id` name `name` (as a word)? Reads the tree's text, once per file. */
function bodyMentions(root: string, idx: KernelIndex, graph: CallGraph): (id: number, name: string) => boolean {
  const texts = new Map<string, string[]>();
  return (id, name) => {
    const n = graph.nodes[id];
    let lines = texts.get(n.file);
    if (!lines) {
      try {
        lines = fs.readFileSync(path.join(root, n.file), 'utf8').split('\n');
      } catch {
        lines = [];
      }
      texts.set(n.file, lines);
    }
    const end = idx.files.get(n.file)?.functions[n.index]?.endLine ?? n.line;
    const re = new RegExp(`\\b${name}\\b`);
    // Code only: comments name functions that are no longer called (`/* was nf_iterate() */`).
    for (let i = n.line; i < end && i < lines.length; i++) {
      const code = lines[i].replace(/\/\*.*?(\*\/|$)|\/\/.*$/g, '');
      if (!/^\s*\*/.test(lines[i]) && re.test(code)) return true;
    }
    return false;
  };
}

/** Functions with a call the graph cannot follow: an indirect site (field, variable, dispatch macro) with no candidate. */
function openFunctions(idx: KernelIndex, graph: CallGraph): Uint8Array {
  const open = new Uint8Array(graph.nodes.length);
  const sites = new Set(graph.edges.map((e) => `${e.from}:${e.line}:${e.col}`));
  const byFile = new Map<string, number[]>();
  for (const n of graph.nodes) {
    const list = byFile.get(n.file);
    if (list) list.push(n.id);
    else byFile.set(n.file, [n.id]);
  }
  for (const f of idx.files.values()) {
    const ids = (byFile.get(f.path) ?? []).sort((a, b) => graph.nodes[a].index - graph.nodes[b].index);
    for (const c of f.calls) {
      const id = ids[c.fn];
      if (id === undefined || open[id]) continue;
      // An indirect call the graph could not resolve may lead anywhere; a direct call out of the
      // scope (kmalloc, spin_lock) is not counted: it would make nearly every function open.
      if (c.kind !== 'direct' && c.kind !== 'other' && !sites.has(`${id}:${c.line}:${c.col}`)) open[id] = 1;
    }
    for (const m of f.macroCalls) {
      const id = ids[m.fn];
      if (id !== undefined && idx.knowledge.macroDispatch[m.macro] && !sites.has(`${id}:${m.line}:${m.col}`)) open[id] = 1;
    }
  }
  return open;
}

/** Functions whose address is taken (`.handler = fn`, `x->f = fn`, `reg(fn)`), as graph nodes. */
function addressTakenIds(idx: KernelIndex, graph: CallGraph): Set<number> {
  const out = new Set<number>();
  for (const f of idx.files.values()) {
    for (const a of f.addressTaken) {
      if (a.param || a.ret || a.ctx === 'return') continue;
      for (const id of graph.resolveName(a.name, f.path)) out.add(id);
    }
  }
  return out;
}

/** The longest run of reliable frames whose links all resolve (direct or inferred), as names. */
function longestResolvedRun(m: MappedStack): string[] {
  let best: string[] = [];
  let cur: string[] = [];
  for (const l of m.links) {
    if (l.status === 'direct' || l.status === 'inferred') {
      if (!cur.length) cur = [m.frames[l.caller].fn];
      cur.push(m.frames[l.callee].fn);
      if (cur.length > best.length) best = cur;
    } else cur = [];
  }
  return best;
}

function isSubsequence(needle: string[], hay: Array<string | undefined>): boolean {
  let i = 0;
  for (const h of hay) if (i < needle.length && h === needle[i]) i++;
  return i === needle.length;
}

export function format(r: TraceBenchResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const p = r.pairs;
  const lines = [
    `Linux ${r.version ?? '?'} (${r.tree}): ${r.traces} traces, ${r.stacks} stacks`,
    `frame pairs              ${p.total} (${p.interrupts} across an interrupt, ${p.notInIndex} with a frame outside the index)`,
    `pair recall              ${p.reached} of ${p.evaluated} in-index pairs reached within ${MAX_INFERRED_HOPS} hops (${pct(p.recall)})`,
    `  of non-drift pairs     ${pct(p.recallOfNonDrift)} (${p.drift} drift, ${p.gaps} resolution gaps)`,
    `path agreement           top-1 ${pct(r.agreement.top1)}, top-3 ${pct(r.agreement.top3)} over ${r.agreement.evaluated} traces' longest resolved runs` +
      (r.agreement.leftForBudget ? ` (${r.agreement.leftForBudget} left out: time budget)` : ''),
    `address-taken, no caller ${r.addressTaken.withoutCaller} of ${r.addressTaken.functions} (${pct(r.addressTaken.share)}; ${r.addressTaken.externalOnly} more called only from outside the scope)`,
    `candidates per resolved  mean ${r.candidates.mean.toFixed(2)}, median ${r.candidates.median} (${r.candidates.resolvedSites} of ${r.candidates.indirectSites} indirect sites)`,
    `seconds                  load ${r.seconds.load.toFixed(1)}, graph ${r.seconds.graph.toFixed(1)}, map ${r.seconds.map.toFixed(1)}, paths ${r.seconds.paths.toFixed(1)}`,
    '',
    'goals:',
    ...r.goals.map((g) => `  ${g.pass ? 'pass' : 'MISS'}  ${g.name.padEnd(30)} ${g.value.padStart(8)}  (goal ${g.goal})`),
    '',
    'missed pairs in the index (caller -> callee):',
    ...r.misses.filter((m) => m.class !== 'drift: not in the index').map((m) => `  ${m.class.padEnd(24)} ${m.caller} -> ${m.callee}  (${m.trace}:${m.line})`),
    '',
    `pairs with a frame outside the index: ${p.notInIndex} (--json lists them)`,
  ];
  return lines.join('\n') + '\n';
}
