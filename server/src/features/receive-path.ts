// The receive path: NAPI poll entry points and the shortest call chains from a function to the
// socket-enqueue functions (or any end points the client names), on the session's call graph.
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import {
  DEFAULT_RECEIVE_PATHS, MAX_RECEIVE_PATHS, ReceivePathEntryPointsRequest, ReceivePathRequest, SOCKET_ENQUEUE_FUNCTIONS,
  type ReceivePathEntryPoint, type ReceivePathHop, type ReceivePathParams, type ReceivePathResult,
} from '../../../shared/protocol';
import type { CallGraph } from '../engine/callgraph/graph';
import type { Hop } from '../engine/callgraph/types';
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
      const result: ReceivePathResult = { from: params.from, to, root, rootUri: this.session.toUri(''), paths: [] };
      if (!loaded) return result;
      result.paths = this.paths(loaded.graph, params.from, to, clampMax(params.max), token);
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

  /** Up to `max` shortest chains over all end points, shortest first (ties keep the end points' order). */
  private paths(graph: CallGraph, from: string, to: string[], max: number, token: CancellationToken): ReceivePathHop[][] {
    const all: Hop[][] = [];
    for (const end of to) {
      throwIfCancelled(token);
      all.push(...graph.paths(from, end, max));
    }
    const sorted = all.map((p, i) => ({ p, i })).sort((a, b) => a.p.length - b.p.length || a.i - b.i).map((x) => x.p);
    return sorted.slice(0, max).map((p) => p.map((h) => this.hop(graph, h)));
  }

  /** A hop with the column of its call site (the graph's Hop has only the line) and its file's URI. */
  private hop(graph: CallGraph, h: Hop): ReceivePathHop {
    let col = 0;
    for (const id of graph.idsOf(h.caller)) {
      const e = graph.out[id].map((x) => graph.edges[x]).find((x) => graph.nodes[x.to].name === h.callee && x.file === h.file && x.line === h.line && x.kind === h.kind);
      if (e) {
        col = e.col;
        break;
      }
    }
    return { ...h, col, uri: this.session.toUri(h.file) };
  }
}

function clampMax(max: number | undefined): number {
  return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? Math.min(max, MAX_RECEIVE_PATHS) : DEFAULT_RECEIVE_PATHS;
}
