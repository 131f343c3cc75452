// The receive path: NAPI poll entry points and the most likely call chains from a function to
// the default end points (which follow the start: engine/analysis/receive-path-query.ts) or any
// the client names, ranked by the graph's path cost (callgraph/paths.ts), with the same filters
// as `netpath path` (--via, --avoid, --max-candidates), and each function's drop sites.
import type { Connection } from 'vscode-languageserver/node';
import {
  DEFAULT_RECEIVE_PATHS, MAX_RECEIVE_PATHS, ReceivePathEntryPointsRequest, ReceivePathRequest,
  type ReceivePathEntryPoint, type ReceivePathParams, type ReceivePathResult,
} from '../../../shared/protocol';
import type { CallGraph } from '../engine/callgraph/graph';
import type { PathOptions } from '../engine/callgraph/paths';
import { napiPollIds, receivePathResult } from '../engine/analysis/receive-path-query';
import { DropEngines } from './drop-engines';
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
      // The drop engine too: each function on a chain is shown with its drop sites.
      const loaded = await DropEngines.of(this.session).load(token, connection.languages.attachWorkDoneProgress(params));
      const to = params.to?.length ? [...new Set(params.to)] : [];
      const opts: PathOptions = {
        via: names(params.via), avoid: names(params.avoid),
        ...(Number.isInteger(params.maxCandidates) && params.maxCandidates! >= 1 ? { maxCandidates: params.maxCandidates } : {}),
      };
      const where = { root: loaded?.index.root ?? '', rootUri: this.session.toUri(''), toUri: (f: string) => this.session.toUri(f) };
      if (!loaded) {
        const empty: ReceivePathResult = { from: params.from, to, root: where.root, rootUri: where.rootUri, paths: [], costs: [], functions: [] };
        return empty;
      }
      return receivePathResult(loaded.graph, loaded.engine, {
        from: params.from, to, max: clampMax(params.max), opts, napi: loaded.index.knowledge.napiPoll, check: () => throwIfCancelled(token),
      }, where);
    }));
  }

  /** NAPI poll handlers: the functions flowing into `napi_struct.poll` (kernel-knowledge.json). */
  private entryPoints(graph: CallGraph, napi: { struct: string; field: string }): ReceivePathEntryPoint[] {
    return napiPollIds(graph, napi)
      .map((id) => graph.nodes[id])
      .map((n) => ({ name: n.name, file: n.file, line: n.line, uri: this.session.toUri(n.file) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file) || a.line - b.line);
  }
}

/** Function names from the client: identifiers only, at most a handful. */
function names(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && /^[A-Za-z_]\w*$/.test(x)).slice(0, 8) : [];
}

function clampMax(max: number | undefined): number {
  return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? Math.min(max, MAX_RECEIVE_PATHS) : DEFAULT_RECEIVE_PATHS;
}
