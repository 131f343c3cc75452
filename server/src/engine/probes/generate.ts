// Entry point of probe generation: a request (function, line, path or drops) against the
// index, the call graph and the drop sites, to a SystemTap script. Used by the CLI and the server.
import type { CallGraph } from '../callgraph/graph';
import { kallsymsNotes, type KallsymsTable } from './kallsyms';
import { lineTableFor, type LineTable } from './line-table';
import { dropsProbe, functionProbe, lineProbe, pathProbe } from './modes';
import { calleeFunction, dropReasons, functionAt, pickFunction, type ProbeIndex } from './resolve';
import { ProbeError, type DropSiteInput, type GeneratedProbe, type ProbeFormat, type ProbeFunction } from './types';
import { dropsBpftrace, functionBpftrace, pathBpftrace, type BtContext } from './bpftrace-modes';
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
  /** Drop sites of a function (from the drop-site engine), for drops mode. */
  dropSites?: (fn: ProbeFunction) => DropSiteInput[] | Promise<DropSiteInput[]>;
  /** The target's debug build (a folder with vmlinux and modules): statement probes go on lines it has records for. */
  debuginfo?: string;
  /** The SystemTap version the script is for; decides the tracepoint part on 6.12+ trees. */
  stapVersion?: string;
  /** bpftrace: the target's tracefs facts (kprobes, drop-reason names); unknown when absent. */
  traceFacts?: TraceFacts;
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
export function counterFunctions(src: ProbeIndex, fn: ProbeFunction, sites: DropSiteInput[]): ProbeFunction[] {
  const out = new Map<string, ProbeFunction>();
  for (const s of sites) {
    for (const name of s.through ?? []) {
      if (!/^[A-Za-z_]\w*$/.test(name) || name === fn.name || out.has(name)) continue;
      const def = calleeFunction(src, name, fn.file);
      if (def) out.set(name, def);
    }
  }
  return [...out.values()];
}

export async function generateProbe(src: ProbeSources, req: ProbeRequest, format: ProbeFormat = 'stap'): Promise<GeneratedProbe> {
  const k = src.kallsyms;
  const check = k ? { check: (fns: ProbeFunction[]) => kallsymsNotes(k.table, fns, k.source) } : {};
  if (format === 'bpftrace') return generateBpftrace(src, req, { version: src.version, host: src.traceFacts ?? { source: 'the target (not checked)' }, ...check });
  const ctx = { version: src.version, stapVersion: src.stapVersion, ...check };
  switch (req.mode) {
    case 'function':
      return functionProbe(ctx, pickFunction(src, req.function, req.file, req.at));
    case 'line': {
      let fn: ProbeFunction | undefined;
      if (req.function) fn = pickFunction(src, req.function, req.file);
      else if (req.file) fn = functionAt(src, req.file, req.line);
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
      return dropsProbe(ctx, fn, sites, dropReasons(src), counterFunctions(src, fn, sites), await tableOf(src, fn));
    }
  }
}

/** The shortest call chain from -> to, each hop with its callee's definition. */
async function pathOf(src: ProbeSources, from: string, to: string) {
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
  return { first: resolve(from, hops[0].file), hops: hops.map((hop) => ({ hop, callee: resolve(hop.callee, hop.file) })) };
}

async function dropSitesOf(src: ProbeSources, req: { function: string; file?: string; at?: number }) {
  if (!src.dropSites) throw new ProbeError('drop sites are not available in this version of netpath');
  const fn = pickFunction(src, req.function, req.file, req.at);
  const sites = (await src.dropSites(fn)).filter((s) => s.function === fn.name && s.file === fn.file && s.line >= fn.line && s.line <= fn.endLine);
  return { fn, sites };
}

async function generateBpftrace(src: ProbeSources, req: ProbeRequest, ctx: BtContext): Promise<GeneratedProbe> {
  switch (req.mode) {
    case 'function':
      return functionBpftrace(ctx, pickFunction(src, req.function, req.file, req.at));
    case 'line':
      throw new ProbeError('bpftrace cannot probe a source line (kprobes attach to symbols): use --format stap for --line');
    case 'path': {
      const { first, hops } = await pathOf(src, req.from, req.to);
      return pathBpftrace(ctx, first, hops);
    }
    case 'drops': {
      const { fn, sites } = await dropSitesOf(src, req);
      return dropsBpftrace(ctx, fn, sites, dropReasons(src), counterFunctions(src, fn, sites));
    }
  }
}
