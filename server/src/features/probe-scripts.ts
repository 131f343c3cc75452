// "Generate SystemTap/bpftrace probe for this function / for this line", "Which drop site fires?",
// "Probe the receive path" and "Probe for host…": GenerateProbeRequest on the probe generator, in
// the tool asked for (else the netpath.probes.defaultTool setting), fitted to a host's facts when
// one is named (collected over ssh or locally, cached per host). Bad requests (no function at the
// cursor, no drop sites, no path, a host that cannot be reached) answer with an error naming the problem.
import { ErrorCodes, ResponseError, type CancellationToken, type Connection, type WorkDoneProgressReporter } from 'vscode-languageserver/node';
import { GenerateProbeRequest, type GenerateProbeParams, type GenerateProbeResult } from '../../../shared/protocol';
import { SOCKET_ENQUEUE_FUNCTIONS } from '../../../shared/receive-path-ends';
import { kernelVersion } from '../engine/kernel-tree';
import { generateProbe, type ProbeRequest, type ProbeSources } from '../engine/probes/generate';
import { functionAt } from '../engine/probes/resolve';
import { ProbeError } from '../engine/probes/types';
import { localTraceFacts } from '../engine/probes/host-facts';
import { hostFacts } from '../engine/probes/host-cache';
import { HostFactsError } from '../engine/probes/host-facts-parse';
import { targetFromHost, type TargetFacts } from '../engine/probes/target';
import { localStapVersion } from '../engine/probes/tool-versions';
import type { CallGraph } from '../engine/callgraph/graph';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class ProbeScriptsFeature {
  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onRequest(GenerateProbeRequest, guarded(this.log, 'generateProbe', async (params: GenerateProbeParams, token) => {
      try {
        return await this.generate(params, token, connection.languages.attachWorkDoneProgress(params));
      } catch (e) {
        if (e instanceof ProbeError || e instanceof HostFactsError) return new ResponseError<void>(ErrorCodes.InvalidParams, `netpath: ${e.message}`);
        throw e;
      }
    }));
  }

  private async generate(params: GenerateProbeParams, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<GenerateProbeResult> {
    const needsGraph = params.mode === 'path' || params.mode === 'drops';
    const loaded = needsGraph ? await this.session.callGraph(token, progress) : undefined;
    const index = loaded?.index ?? (await this.session.current(token));
    if (!index) throw new ProbeError('the kernel index is not available (see "netpath: Show Log")');
    const rel = params.uri ? this.session.toRelative(params.uri) : undefined;
    if (params.uri && (!rel || !index.files.has(rel))) throw new ProbeError(`${params.uri} is not an indexed file of the kernel tree`);
    const line = params.line === undefined ? undefined : params.line + 1;
    const src: ProbeSources = {
      files: index.files, kbuild: index.kbuild, version: kernelVersion(index.root),
      ...(loaded ? { graph: () => loaded.graph, dropSites: async (fn) => (await loaded.analysis.drops()).sites(fn.name) } : {}),
    };
    /** The function the request names, else the one around the line. */
    const named = (): { name: string; at?: number } => {
      if (params.function) return { name: params.function, ...(rel && line ? { at: line } : {}) };
      const fn = rel && line ? functionAt(src, rel, line) : undefined;
      if (!fn) throw new ProbeError('put the cursor inside a function');
      return { name: fn.name, at: fn.line };
    };
    let req: ProbeRequest;
    switch (params.mode) {
      case 'function':
      case 'drops': {
        const { name, at } = named();
        req = { mode: params.mode, function: name, file: rel, at };
        break;
      }
      case 'line':
        if (!rel || !line) throw new ProbeError('a line probe needs a document and a line');
        req = { mode: 'line', file: rel, line };
        break;
      case 'path': {
        const from = params.function ?? named().name;
        req = { mode: 'path', from, to: params.to ?? nearestEnd(loaded!.graph, from, token) };
        break;
      }
      default:
        throw new ProbeError(`unknown probe mode "${String((params as { mode: unknown }).mode)}"`);
    }
    const tool = params.tool ?? this.session.settings.probes.defaultTool;
    const target = params.host ? await this.hostTarget(params.host, progress) : undefined;
    throwIfCancelled(token);
    // Without a host, as the CLI's defaults: this machine's stap; a bpftrace script for a generic
    // target whose header says what this machine's tracefs lacks to run it (never refused for that).
    const p = await generateProbe({
      ...src, ...(target ? { target } : { stapVersion: localStapVersion(), ...(tool === 'bpftrace' ? { here: localTraceFacts() } : {}) }),
    }, req, tool);
    throwIfCancelled(token);
    return { title: p.title, fileName: p.fileName, languageId: tool === 'bpftrace' ? 'bpftrace' : 'systemtap', text: p.text, points: p.points };
  }

  /** The host's facts, from the cache in the settings' cache folder or collected now (bounded by a timeout). */
  private async hostTarget(host: string, progress: WorkDoneProgressReporter): Promise<TargetFacts> {
    progress.begin('netpath', undefined, `facts of ${host}`);
    try {
      const { facts, fromCache } = await hostFacts(host, this.session.settings.cacheDirectory ? { cacheRoot: this.session.settings.cacheDirectory } : {});
      this.log.info(`probe: facts of ${host} (${facts.release}) ${fromCache ? `from the cache, collected ${facts.collectedAt}` : 'collected now'}`);
      return targetFromHost(facts);
    } finally {
      progress.done();
    }
  }
}

/** The socket-enqueue function with the shortest chain from `from`. */
function nearestEnd(graph: CallGraph, from: string, token: CancellationToken): string {
  let best: { to: string; hops: number } | undefined;
  for (const to of SOCKET_ENQUEUE_FUNCTIONS) {
    throwIfCancelled(token);
    const [p] = graph.paths(from, to, 1);
    if (p && (!best || p.length < best.hops)) best = { to, hops: p.length };
  }
  if (!best) throw new ProbeError(`no call chain from ${from} to ${SOCKET_ENQUEUE_FUNCTIONS.join(', ')}`);
  return best.to;
}
