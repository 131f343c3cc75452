// netpath language server: wires the kernel index to LSP. Started by the VS Code client over
// node IPC, or with --stdio by tests and other editors.
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type InitializeParams, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { normaliseSettings } from '../../shared/protocol';
import { CallHierarchyFeature } from './features/call-hierarchy';
import { CounterSitesFeature } from './features/counter-sites';
import { LiveDropsFeature } from './features/live-drops';
import { DefinitionFeature } from './features/definition';
import { DocumentSymbolsFeature } from './features/document-symbols';
import { DocumentSyncFeature } from './features/document-sync';
import { DropLensFeature } from './features/drop-lens';
import { DropSitesFeature } from './features/drop-sites';
import { ExplainCounterFeature } from './features/explain-counter';
import { HoverFeature } from './features/hover';
import { IndexSession } from './features/index-session';
import { IndexingFeature } from './features/indexing';
import { Logger } from './features/logger';
import { MapTraceFeature } from './features/map-trace';
import { ReceivePathFeature } from './features/receive-path';
import { ProbeScriptsFeature } from './features/probe-scripts';
import { ProbeLensFeature } from './features/probe-lens';
import { ReferencesFeature } from './features/references';
import { WorkspaceSymbolsFeature } from './features/workspace-symbols';
import { ServerHealthFeature } from './features/server-health';

const connection = createConnection(ProposedFeatures.all);
const log = new Logger(connection);
const documents = new TextDocuments(TextDocument);
let session: IndexSession | undefined;

// Last resort: a bug in a background task is logged, the server keeps serving.
process.on('unhandledRejection', (reason) => log.error(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`));
process.on('uncaughtException', (e) => log.error(`uncaught exception: ${e.stack ?? e.message}`));

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const settings = normaliseSettings(params.initializationOptions);
  log.setTrace(settings.trace.server);
  session = new IndexSession(connection, log, settings);
  session.setFolders(workspaceFolders(params));
  // Probe lenses are served by the one code lens handler (DropLensFeature), beside its own.
  const probeLens = new ProbeLensFeature(session, log);
  const features = [
    new IndexingFeature(session, log),
    new DocumentSyncFeature(session, documents, log),
    new DefinitionFeature(session, documents, log),
    new ReferencesFeature(session, documents, log),
    new DocumentSymbolsFeature(session, documents, log),
    new WorkspaceSymbolsFeature(session, log),
    new HoverFeature(session, documents, log),
    new CallHierarchyFeature(session, documents, log),
    new ReceivePathFeature(session, log),
    new MapTraceFeature(session, log),
    new DropSitesFeature(session, log),
    new ExplainCounterFeature(session, log),
    new DropLensFeature(session, log, [probeLens.source]),
    new CounterSitesFeature(session, log),
    new LiveDropsFeature(session, log),
    new ProbeScriptsFeature(session, log),
    probeLens,
    new ServerHealthFeature(),
  ];
  for (const f of features) f.register(connection);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      hoverProvider: true,
      callHierarchyProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
    serverInfo: { name: 'netpath', version: process.env.NETPATH_VERSION },
  };
});

connection.onShutdown(() => session?.dispose());

function workspaceFolders(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
}

connection.listen();
