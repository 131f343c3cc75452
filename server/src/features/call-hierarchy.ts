// Call hierarchy on the receive call graph: incoming and outgoing calls, indirect ones included
// (through fields, variables, dispatch macros and registration helpers), each caller or callee
// item's `detail` naming how it is called ("macro · 13 candidates"). The graph comes from the
// index session's current analysis: one per index version, so edits are reflected (see callGraph).
import type {
  CallHierarchyIncomingCall, CallHierarchyIncomingCallsParams, CallHierarchyItem, CallHierarchyOutgoingCall,
  CallHierarchyOutgoingCallsParams, CallHierarchyPrepareParams, CancellationToken, Connection, Range, TextDocuments, WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { SymbolKind } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { callKindLabel } from '../../../shared/protocol';
import type { CallGraph } from '../engine/callgraph/graph';
import type { Edge } from '../engine/callgraph/types';
import type { IndexView } from '../engine/indexer';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { rangeAt } from './lsp-convert';
import { symbolAtCursor } from './symbol-at-cursor';

/** Same limit as go to definition: more same-named functions than this are not navigable. */
const MAX_ITEMS = 100;

interface Req<P> {
  params: P;
  progress: WorkDoneProgressReporter;
}

/** What an item carries between prepare and the incoming/outgoing requests. */
interface ItemData {
  name: string;
  file: string;
  line: number;
}

export class CallHierarchyFeature {
  constructor(private readonly session: IndexSession, private readonly documents: TextDocuments<TextDocument>, private readonly log: Logger) {}

  register(connection: Connection): void {
    // The library has already taken the client's workDoneToken off the params: use its reporter.
    const prepare = guarded(this.log, 'prepareCallHierarchy', (r: Req<CallHierarchyPrepareParams>, token) => this.prepare(r.params, token, r.progress));
    const incoming = guarded(this.log, 'incomingCalls', (r: Req<CallHierarchyIncomingCallsParams>, token) => this.incoming(r.params, token, r.progress));
    const outgoing = guarded(this.log, 'outgoingCalls', (r: Req<CallHierarchyOutgoingCallsParams>, token) => this.outgoing(r.params, token, r.progress));
    connection.languages.callHierarchy.onPrepare((params, token, progress) => prepare({ params, progress }, token));
    connection.languages.callHierarchy.onIncomingCalls((params, token, progress) => incoming({ params, progress }, token));
    connection.languages.callHierarchy.onOutgoingCalls((params, token, progress) => outgoing({ params, progress }, token));
  }

  private async prepare(params: CallHierarchyPrepareParams, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<CallHierarchyItem[] | null> {
    const symbol = symbolAtCursor(this.session, this.documents, params.textDocument.uri, params.position);
    if (!symbol) return null;
    const loaded = await this.session.callGraph(token, progress);
    if (!loaded) return null;
    const ids = loaded.graph.idsOf(symbol.name).slice(0, MAX_ITEMS);
    return ids.length ? ids.map((id) => this.item(loaded.index, loaded.graph, id)) : null;
  }

  private async incoming(params: CallHierarchyIncomingCallsParams, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<CallHierarchyIncomingCall[] | null> {
    const loaded = await this.session.callGraph(token, progress);
    if (!loaded) return null;
    const { index, graph } = loaded;
    const out: CallHierarchyIncomingCall[] = [];
    for (const target of this.resolve(graph, params.item)) {
      for (const [from, edges] of groupBy(Array.from(graph.inOf(target), (e) => graph.edgeAt(e)), (e) => e.from)) {
        if (out.length % 200 === 0) throwIfCancelled(token);
        out.push({ from: this.item(index, graph, from, edges), fromRanges: edges.map((e) => callSite(graph, e)) });
      }
    }
    return out;
  }

  private async outgoing(params: CallHierarchyOutgoingCallsParams, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<CallHierarchyOutgoingCall[] | null> {
    const loaded = await this.session.callGraph(token, progress);
    if (!loaded) return null;
    const { index, graph } = loaded;
    const out: CallHierarchyOutgoingCall[] = [];
    for (const source of this.resolve(graph, params.item)) {
      for (const [to, edges] of groupBy(Array.from(graph.outOf(source), (e) => graph.edgeAt(e)), (e) => e.to)) {
        if (out.length % 200 === 0) throwIfCancelled(token);
        out.push({ to: this.item(index, graph, to, edges), fromRanges: edges.map((e) => callSite(graph, e)) });
      }
    }
    return out;
  }

  /** Graph nodes an item stands for: the same definition, else same-named functions of its file. */
  private resolve(graph: CallGraph, item: CallHierarchyItem): number[] {
    const data = item.data as Partial<ItemData> | undefined;
    const name = data?.name ?? item.name;
    const file = data?.file ?? this.session.toRelative(item.uri);
    const ids = graph.idsOf(name);
    const exact = ids.filter((id) => graph.nodes[id].file === file && graph.nodes[id].line === data?.line);
    if (exact.length) return exact;
    const sameFile = ids.filter((id) => graph.nodes[id].file === file);
    return sameFile.length ? sameFile : ids;
  }

  /** An item for a function; with `edges`, its detail says how those calls reach it. */
  private item(index: IndexView, graph: CallGraph, id: number, edges?: Edge[]): CallHierarchyItem {
    const node = graph.nodes[id];
    const def = index.files.get(node.file)?.functions[node.index];
    const col = def?.col ?? 0;
    const endLine = Math.max(def?.endLine ?? node.line, node.line);
    const selectionRange = rangeAt(node.line, col, node.name.length);
    // Whole lines from the name to the line after the body ends (a range must contain the selection).
    const range: Range = { start: { line: node.line - 1, character: 0 }, end: { line: endLine, character: 0 } };
    const where = `${node.file}:${node.line}`;
    const detail = edges ? `${[...new Set(edges.map((e) => callKindLabel(e.kind, e.candidates)))].join(', ')} — ${where}` : where;
    const data: ItemData = { name: node.name, file: node.file, line: node.line };
    return { name: node.name, kind: SymbolKind.Function, detail, uri: this.session.toUri(node.file), range, selectionRange, data };
  }
}

/** The call site of an edge: the callee's name for a direct call, else where the call expression starts. */
function callSite(graph: CallGraph, e: Edge): Range {
  return rangeAt(e.line, e.col, e.kind === 'direct' ? graph.nodes[e.to].name.length : 0);
}

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}
