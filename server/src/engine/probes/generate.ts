// Entry point of probe generation: a request (function, line, path or drops) against the
// index, the call graph and the drop sites, to a SystemTap script. Used by the CLI and the server.
import type { CallGraph } from '../callgraph/graph';
import type { KallsymsTable } from './kallsyms';
import { FN_INLINE } from '../types';
import { fitFunction, fitNotes, targetFromKallsyms, targetLines, type TargetFacts } from './target';
import { TRACE_MIN_STAP } from './tool-versions';
import { lineTableFor, type LineTable } from './line-table';
import { dropsProbe, functionProbe, lineProbe, pathProbe } from './modes';
import { calleeFunction, dropReasons, functionAt, pickFunction, type ProbeIndex } from './resolve';
import { ProbeError, type DropSiteInput, type GeneratedProbe, type ProbeFormat, type ProbeFunction } from './types';
import { dropsBpftrace, functionBpftrace, GENERIC_TARGET, pathBpftrace, type BtContext } from './bpftrace-modes';
import type { TraceFacts } from './host-facts';

export type ProbeRequest =
  /** `at`: a line inside the definition meant, when a file defines the name more than once (#ifdef variants). */
  | { mode: 'function'; function: string; file?: string; at?: number }
  /** `function` may be omitted when `file` is given: the function around the line. */
  | { mode: 'line'; function?: string; file?: string; line: number }
  | { mode: 'path'; from: string; to: string }
  | { mode: 'drops'; function: string; file?: string; at?: number };

export interface ProbeSources extends ProbeIndex {
  version?: string;
  /** The call graph, for path mode (built on demand: it takes seconds). */
  graph?: () => CallGraph | Promise<CallGraph>;
  /** The target kernel's /proc/kallsyms, parsed, and where it came from: flags absent functions. */
  kallsyms?: { table: KallsymsTable; source: string };
  /** A host's collected facts (target.ts): decide objects, clone names, inlining, tools. Takes the place of `kallsyms`. */
  target?: TargetFacts;
  /** Drop sites of a function (from the drop-site engine), for drops mode. */
  dropSites?: (fn: ProbeFunction) => DropSiteInput[] | Promise<DropSiteInput[]>;
  /** The target's debug build (a folder with vmlinux and modules): statement probes go on lines it has records for. */
  debuginfo?: string;
  /** The SystemTap version the script is for; decides the tracepoint part on 6.12+ trees. */
  stapVersion?: string;
  /** bpftrace: the target's tracefs facts (kprobes, drop-reason names); unknown when absent. */
  traceFacts?: TraceFacts;
  /**
   * bpftrace without a named target: this machine's tracefs facts, said in the header (what it
   * lacks to run the script, what stands in here) but never deciding what the script probes.
   */
  here?: TraceFacts;
}

/** The function's line table in the --debuginfo build; an object missing there is an error, not a silent guess. */
async function tableOf(src: ProbeSources, fn: ProbeFunction): Promise<LineTable | undefined> {
  if (!src.debuginfo) return undefined;
  const t = await lineTableFor(src.debuginfo, fn);
  if (!t) throw new ProbeError(`--debuginfo ${src.debuginfo} has no object holding ${fn.name} (${fn.file}${fn.object && fn.object.kind !== 'builtin' ? `, module ${fn.object.module}` : ''})`);
  return t;
}

/**
 * The functions a function's drop sites count through: the named calls in each site's
 * `through` chain (`tap->count_rx_dropped` is a field call, `macvtap_count_rx_dropped` a function).
 */
export function counterFunctions(src: ProbeIndex, fn: ProbeFunction, sites: DropSiteInput[], fit: (fn: ProbeFunction) => ProbeFunction = (f) => f): ProbeFunction[] {
  const out = new Map<string, ProbeFunction>();
  for (const s of sites) {
    // A header function in the chain (macvlan_count_rx) runs as the copy inlined into the function
    // before it that is not in a header (macvtap_count_rx_dropped, module macvtap): probed there only.
    let linked: ProbeFunction | undefined = fn.file.endsWith('.h') ? undefined : fn;
    for (const name of s.through ?? []) {
      if (!/^[A-Za-z_]\w*$/.test(name) || name === fn.name) continue;
      // Fitted to the target first: where the host links the caller decides where its copy is.
      const found = out.get(name) ?? calleeFunction(src, name, fn.file);
      const def = found && (out.has(name) ? found : fit(found));
      if (!def) continue;
      if (!def.file.endsWith('.h')) linked = def;
      if (out.has(name)) continue;
      out.set(name, def.file.endsWith('.h') && linked ? { ...def, inlinedInto: { name: linked.name, file: linked.file, ...(linked.object ? { object: linked.object } : {}) } } : def);
    }
  }
  return [...out.values()];
}

export async function generateProbe(given: ProbeSources, req: ProbeRequest, format: ProbeFormat = 'stap'): Promise<GeneratedProbe> {
  const target = given.target ?? (given.kallsyms ? targetFromKallsyms(given.kallsyms.table, given.kallsyms.source) : undefined);
  const src: Fitted = target ? fitted(given, target) : { ...given, fit: (fn) => fn };
  const check = target ? { check: (fns: ProbeFunction[]) => [...targetLines(target, src.version), ...toolLines(target, format), ...fitNotes(target, fns)] } : {};
  const targetKernel = target?.release ? { targetKernel: target.release } : {};
  if (format === 'bpftrace') {
    const host = target?.trace ?? src.traceFacts ?? GENERIC_TARGET;
    // This machine is described only when the script is not for a host whose facts say what it has.
    const here = !target?.trace && !src.traceFacts && src.here ? { here: src.here } : {};
    return generateBpftrace(src, req, { version: src.version, host, ...here, ...check, ...targetKernel });
  }
  const noKfreeSkb = target?.trace?.kfreeSkb === false ? { noKfreeSkb: `kernel.trace("skb:kfree_skb") is left out: ${target.trace.source} has no skb:kfree_skb event.` } : {};
  // The host's own stap when its facts say (null: not installed), else the version given for the target.
  const stapVersion = target && target.stap !== undefined ? target.stap ?? undefined : src.stapVersion;
  const ctx = { version: src.version, ...(stapVersion ? { stapVersion } : {}), ...check, ...targetKernel, ...noKfreeSkb };
  switch (req.mode) {
    case 'function':
      return functionProbe(ctx, src.fit(pickFunction(src, req.function, req.file, req.at)));
    case 'line': {
      let fn: ProbeFunction | undefined;
      if (req.function) fn = pickFunction(src, req.function, req.file);
      else if (req.file) fn = functionAt(src, req.file, req.line);
      if (fn) fn = src.fit(fn);
      if (!fn) throw new ProbeError(`line ${req.line} of ${req.file ?? '?'} is not inside a function of the index`);
      const table = await tableOf(src, fn);
      // Without a line table, a goto line is counted as its drop site is: that needs the sites.
      const drops = !table && src.dropSites && (src.files.get(fn.file)?.gotos ?? []).some((g) => g.line === req.line) ? await src.dropSites(fn) : [];
      return lineProbe(ctx, fn, req.line, table, drops.filter((s) => s.function === fn.name && s.file === fn.file), dropReasons(src));
    }
    case 'path': {
      const { first, hops } = await pathOf(src, req.from, req.to);
      return pathProbe(ctx, first, hops);
    }
    case 'drops': {
      const { fn, sites } = await dropSitesOf(src, req);
      return dropsProbe(ctx, fn, sites, dropReasons(src), counterFunctions(src, fn, sites, src.fit), await tableOf(src, fn));
    }
  }
}

/** The shortest call chain from -> to, each hop with its callee's definition. */
async function pathOf(src: Fitted, from: string, to: string) {
  if (!src.graph) throw new ProbeError('path probes need the call graph');
  const graph = await src.graph();
  for (const n of [from, to]) if (!graph.idsOf(n).length) throw new ProbeError(`no function "${n}" in the index`);
  const [hops] = graph.paths(from, to, 1);
  if (!hops?.length) throw new ProbeError(`no call chain from ${from} to ${to}`);
  const resolve = (name: string, file: string) => {
    const fn = calleeFunction(src, name, file);
    if (!fn) throw new ProbeError(`no definition of "${name}" in the index`);
    return fn;
  };
  return { first: src.fit(resolve(from, hops[0].file)), hops: hops.map((hop) => ({ hop, callee: src.fit(resolve(hop.callee, hop.file)) })) };
}

async function dropSitesOf(src: Fitted, req: { function: string; file?: string; at?: number }) {
  if (!src.dropSites) throw new ProbeError('drop sites are not available in this version of netpath');
  const fn = src.fit(pickFunction(src, req.function, req.file, req.at));
  const sites = (await src.dropSites(fn)).filter((s) => s.function === fn.name && s.file === fn.file && s.line >= fn.line && s.line <= fn.endLine);
  return { fn, sites };
}

async function generateBpftrace(src: Fitted, req: ProbeRequest, ctx: BtContext): Promise<GeneratedProbe> {
  switch (req.mode) {
    case 'function':
    {
      const fn = src.fit(pickFunction(src, req.function, req.file, req.at));
      // Inlined away on the target: its callers are counted instead, from the call graph.
      const callers = fn.host?.inlinedAway && src.graph ? callersOf(src, await src.graph(), fn) : undefined;
      // Refused on a named target without kprobes: does its --drops script stand in? Asking costs
      // the drop analysis (seconds), so only then; a generic script's header offers drops --live.
      const hasDropSites = ctx.host.kprobes === false && src.dropSites ? (await src.dropSites(fn)).some((s) => s.function === fn.name && s.file === fn.file) : undefined;
      return functionBpftrace({ ...ctx, ...(callers ? { callers } : {}), ...(hasDropSites !== undefined ? { hasDropSites } : {}) }, fn);
    }
    case 'line':
      throw new ProbeError('bpftrace cannot probe a source line (kprobes attach to symbols): use --format stap for --line');
    case 'path': {
      const { first, hops } = await pathOf(src, req.from, req.to);
      return pathBpftrace(ctx, first, hops);
    }
    case 'drops': {
      const { fn, sites } = await dropSitesOf(src, req);
      return dropsBpftrace(ctx, fn, sites, dropReasons(src), counterFunctions(src, fn, sites, src.fit));
    }
  }
}

/** Sources whose functions are fitted to the target on their way to a mode (identity without one). */
type Fitted = ProbeSources & { fit: (fn: ProbeFunction) => ProbeFunction };

function fitted(src: ProbeSources, target: TargetFacts): Fitted {
  const fileFunctions = (file: string) => (src.files.get(file)?.functions ?? []).filter((d) => (d.flags & FN_INLINE) === 0).map((d) => d.name);
  return { ...src, fit: (fn) => fitFunction(target, fn, fileFunctions(fn.file), src.version) };
}

/** The tools the target has, for the format asked: a missing tool or a too-old SystemTap is said in the header. */
function toolLines(t: TargetFacts, format: ProbeFormat): string[] {
  if (format === 'bpftrace') {
    if (t.bpftrace === null) return [`${t.source} has no bpftrace installed (bpftrace -V failed): install it (Debian: apt install bpftrace) to run this script.`];
    return t.bpftrace ? [`${t.source} has bpftrace ${t.bpftrace}.`] : [];
  }
  if (t.stap === null) return [`${t.source} has no SystemTap installed (stap -V failed): install systemtap (${TRACE_MIN_STAP} or later for Linux 6.12 and newer) and the kernel's debuginfo to run this script.`];
  return t.stap ? [`${t.source} has SystemTap ${t.stap}.`] : [];
}

/** Callers of a function from the call graph that the index defines, fitted to the target. */
function callersOf(src: Fitted, graph: CallGraph, fn: ProbeFunction): ProbeFunction[] {
  const out = new Map<string, ProbeFunction>();
  for (const id of graph.idsOf(fn.name)) {
    for (const e of graph.inOf(id)) {
      const hop = graph.hop(graph.edgeAt(e));
      if (out.has(hop.caller)) continue;
      const def = calleeFunction(src, hop.caller, hop.file);
      if (def) out.set(hop.caller, src.fit(def));
    }
  }
  return [...out.values()];
}
