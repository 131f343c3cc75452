// Entry point of probe generation: a request (function, line, path or drops) against the
// index, the call graph and the drop sites, to a SystemTap script. Used by the CLI and the server.
import type { CallGraph } from '../callgraph/graph';
import { dropsProbe, functionProbe, lineProbe, pathProbe } from './modes';
import { calleeFunction, dropReasons, functionAt, pickFunction, type ProbeIndex } from './resolve';
import { ProbeError, type DropSiteInput, type GeneratedProbe, type ProbeFunction } from './types';

export type ProbeRequest =
  | { mode: 'function'; function: string; file?: string }
  /** `function` may be omitted when `file` is given: the function around the line. */
  | { mode: 'line'; function?: string; file?: string; line: number }
  | { mode: 'path'; from: string; to: string }
  | { mode: 'drops'; function: string; file?: string };

export interface ProbeSources extends ProbeIndex {
  version?: string;
  /** The call graph, for path mode (built on demand: it takes seconds). */
  graph?: () => CallGraph | Promise<CallGraph>;
  /** Drop sites of a function, for drops mode; absent until the drop-site engine provides them. */
  dropSites?: (fn: ProbeFunction) => DropSiteInput[];
  /** Functions the drop sites count through (e.g. macvtap_count_rx_dropped), for drops mode. */
  counterFunctions?: (fn: ProbeFunction, sites: DropSiteInput[]) => ProbeFunction[];
}

export async function generateProbe(src: ProbeSources, req: ProbeRequest): Promise<GeneratedProbe> {
  const ctx = { version: src.version };
  switch (req.mode) {
    case 'function':
      return functionProbe(ctx, pickFunction(src, req.function, req.file));
    case 'line': {
      let fn: ProbeFunction | undefined;
      if (req.function) fn = pickFunction(src, req.function, req.file);
      else if (req.file) fn = functionAt(src, req.file, req.line);
      if (!fn) throw new ProbeError(`line ${req.line} of ${req.file ?? '?'} is not inside a function of the index`);
      return lineProbe(ctx, fn, req.line);
    }
    case 'path': {
      if (!src.graph) throw new ProbeError('path probes need the call graph');
      const graph = await src.graph();
      for (const n of [req.from, req.to]) if (!graph.idsOf(n).length) throw new ProbeError(`no function "${n}" in the index`);
      const [hops] = graph.paths(req.from, req.to, 1);
      if (!hops?.length) throw new ProbeError(`no call chain from ${req.from} to ${req.to}`);
      const resolve = (name: string, file: string) => {
        const fn = calleeFunction(src, name, file);
        if (!fn) throw new ProbeError(`no definition of "${name}" in the index`);
        return fn;
      };
      const first = resolve(req.from, hops[0].file);
      return pathProbe(ctx, first, hops.map((hop) => ({ hop, callee: resolve(hop.callee, hop.file) })));
    }
    case 'drops': {
      if (!src.dropSites) throw new ProbeError('drop sites are not available in this version of netpath');
      const fn = pickFunction(src, req.function, req.file);
      const sites = src.dropSites(fn);
      return dropsProbe(ctx, fn, sites, dropReasons(src), src.counterFunctions?.(fn, sites) ?? []);
    }
  }
}
