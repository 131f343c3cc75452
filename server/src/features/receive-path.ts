// The receive path: NAPI poll entry points and the most likely call chains from a function to the
// socket-enqueue functions (or any end points the client names), ranked by the graph's path cost
// (callgraph/paths.ts), with the same filters as `netpath path` (--via, --avoid, --max-candidates).
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import {
  DEFAULT_RECEIVE_PATHS, MAX_RECEIVE_PATHS, ReceivePathEntryPointsRequest, ReceivePathRequest, SOCKET_ENQUEUE_FUNCTIONS,
  type ReceivePathEntryPoint, type ReceivePathHop, type ReceivePathParams, type ReceivePathResult,
} from '../../../shared/protocol';
import type { CallGraph } from '../engine/callgraph/graph';
import type { Hop } from '../engine/callgraph/types';
import type { PathOptions } from '../engine/callgraph/paths';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class ReceivePathFeature {
  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onRequest(ReceivePathEntryPointsRequest, guarded(this.log, 'receivePathEntryPoints', async (params, token) => {
      const loaded = await this.session.callGraph(token, connection.languages.attachWorkDoneProgress(params ?? {}));
      return loaded ? this.entryPoints(loaded.graph, loaded.index.knowledge.napiPoll) : [];
    }));
    connection.onRequest(ReceivePathRequest, guarded(this.log, 'receivePath', async (params: ReceivePathParams, token) => {
      const loaded = await this.session.callGraph(token, connection.languages.attachWorkDoneProgress(params));
      const to = params.to?.length ? [...new Set(params.to)] : [...SOCKET_ENQUEUE_FUNCTIONS];
      const root = loaded?.index.root ?? '';
      const opts: PathOptions = {
        via: names(params.via), avoid: names(params.avoid),
        ...(Number.isInteger(params.maxCandidates) && params.maxCandidates! >= 1 ? { maxCandidates: params.maxCandidates } : {}),
      };
      const result: ReceivePathResult = {
        from: params.from, to, root, rootUri: this.session.toUri(''), paths: [], costs: [],
        ...(opts.via!.length ? { via: opts.via } : {}), ...(opts.avoid!.length ? { avoid: opts.avoid } : {}),
        ...(opts.maxCandidates ? { maxCandidates: opts.maxCandidates } : {}),
      };
      if (!loaded) return result;
      const ranked = this.paths(loaded.graph, params.from, to, clampMax(params.max), opts, token);
      result.paths = ranked.map((r) => r.hops);
      result.costs = ranked.map((r) => r.cost);
      return result;
    }));
  }

  /** NAPI poll handlers: the functions flowing into `napi_struct.poll` (kernel-knowledge.json). */
  private entryPoints(graph: CallGraph, napi: { struct: string; field: string }): ReceivePathEntryPoint[] {
    const ids = new Set((graph.flows.get(napi.field) ?? []).filter((f) => f.struct === napi.struct).map((f) => f.fn));
    return [...ids]
      .map((id) => graph.nodes[id])
      .map((n) => ({ name: n.name, file: n.file, line: n.line, uri: this.session.toUri(n.file) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file) || a.line - b.line);
  }

  /** Up to `max` chains over all end points, cheapest first (ties keep the end points' order). */
  private paths(graph: CallGraph, from: string, to: string[], max: number, opts: PathOptions, token: CancellationToken): Array<{ hops: ReceivePathHop[]; cost: number }> {
    const all: Array<{ hops: Hop[]; cost: number }> = [];
    for (const end of to) {
      throwIfCancelled(token);
      all.push(...graph.rankedPaths(from, end, max, opts));
    }
    const sorted = all.map((p, i) => ({ p, i })).sort((a, b) => a.p.cost - b.p.cost || a.i - b.i).map((x) => x.p);
    return sorted.slice(0, max).map((p) => ({ cost: p.cost, hops: p.hops.map((h) => this.hop(graph, h)) }));
  }

  /** A hop with the column of its call site (the graph's Hop has only the line) and its file's URI. */
  private hop(graph: CallGraph, h: Hop): ReceivePathHop {
    let col = 0;
    for (const id of graph.idsOf(h.caller)) {
      const e = Array.from(graph.outOf(id), (x) => graph.edgeAt(x)).find((x) => graph.nodes[x.to].name === h.callee && x.file === h.file && x.line === h.line && x.kind === h.kind);
      if (e) {
        col = e.col;
        break;
      }
    }
    return { ...h, col, uri: this.session.toUri(h.file) };
  }
}

/** Function names from the client: identifiers only, at most a handful. */
function names(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && /^[A-Za-z_]\w*$/.test(x)).slice(0, 8) : [];
}

function clampMax(max: number | undefined): number {
  return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? Math.min(max, MAX_RECEIVE_PATHS) : DEFAULT_RECEIVE_PATHS;
}
