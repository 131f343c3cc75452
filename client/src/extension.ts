// VS Code entry point: starts the netpath language server and shows its state. Deliberately thin;
// anything testable without VS Code lives in modules that do not import `vscode`.
import * as vscode from 'vscode';
import { LanguageClient, Trace, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  DEFAULT_RECEIVE_PATHS, IndexReadyNotification, IndexStatusNotification, normaliseSettings, ReceivePathEntryPointsRequest, ReceivePathRequest,
  ReindexRequest, type ReceivePathResult,
} from '../../shared/protocol';
import {
  buildPathTree, endPointChoices, entryPointChoices, filterText, parseNames, pathTreeMessage, RECEIVE_PATH_COMMANDS, RECEIVE_PATH_VIEW,
  type PathFilter, type PathTreeNode,
} from './receive-path-tree';
import { statusText } from './status-text';
import { SOURCE_GLOB, sourcePatterns } from './kernel-source';
import { CLIENT_ID, protocolTrace } from './protocol-trace';
import { registerProbeCommands } from './probe-commands';
import { registerDropSites } from './drop-view';
import { registerStackTrace } from './stack-trace-view';
import { registerCountersPanel } from './counters-panel';
import { PathMapPanel, SHOW_PATH_MAP_COMMAND } from './path-map-panel';
import { registerLiveDrops } from './live-drops-watch';

let client: LanguageClient | undefined;
/** Cancelled on deactivation, so pending requests stop waiting for a server that is going away. */
let shutdown: vscode.CancellationTokenSource | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const activationStarted = performance.now();
  shutdown = new vscode.CancellationTokenSource();
  const output = vscode.window.createOutputChannel('netpath', { log: true });
  // LSP messages go to their own channel, so the netpath log stays readable at any log level.
  const traceOutput = vscode.window.createOutputChannel('netpath LSP messages', { log: true });
  const status = vscode.window.createStatusBarItem('netpath.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'netpath';
  status.command = 'netpath.showLog';
  showStatus(status, statusText({ state: 'starting', fileUpdates: 0 }));
  status.show();
  context.subscriptions.push(output, traceOutput, status);

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // By file name inside the workspace folders, whatever language id VS Code gave the document
    // (`.h` is `cpp`): headers in include/ hold most inline receive-path hops.
    documentSelector: sourceSelector(),
    outputChannel: output,
    traceOutputChannel: traceOutput,
    initializationOptions: normaliseSettings(vscode.workspace.getConfiguration().get('netpath')),
    synchronize: {
      configurationSection: 'netpath',
      fileEvents: vscode.workspace.createFileSystemWatcher(SOURCE_GLOB),
    },
  };
  client = new LanguageClient(CLIENT_ID, 'netpath', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onNotification(IndexStatusNotification, (s) => showStatus(status, statusText(s))),
    client.onNotification(IndexReadyNotification, (s) => output.appendLine(`index ready: Linux ${s.version ?? '?'}, ${s.files} files, ${s.functions} functions`)),
    vscode.commands.registerCommand('netpath.showLog', () => output.show(true)),
    vscode.commands.registerCommand('netpath.reindex', () => reindex()),
  );
  const liveDrops = registerLiveDrops(context, () => client, output);
  registerCountersPanel(context, () => client, output, liveDrops);
  registerDropSites(context, () => client, () => shutdown!.token, liveDrops);
  registerStackTrace(context, () => client, () => shutdown!.token);
  const paths = new ReceivePathTree();
  const view = vscode.window.createTreeView(RECEIVE_PATH_VIEW, { treeDataProvider: paths, showCollapseAll: true });
  paths.view = view;
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand(RECEIVE_PATH_COMMANDS.fromHere, () => showReceivePathFromHere(paths)),
    vscode.commands.registerCommand(RECEIVE_PATH_COMMANDS.pick, () => pickReceivePath(paths)),
    vscode.commands.registerCommand(RECEIVE_PATH_COMMANDS.filter, () => filterReceivePath(paths)),
    vscode.commands.registerCommand(SHOW_PATH_MAP_COMMAND, async () => {
      // The map draws what the view shows; with nothing shown yet, pick an entry point first.
      const result = paths.lastResult ?? (await pickReceivePath(paths));
      if (result) PathMapPanel.show(context, result);
    }),
  );
  registerProbeCommands(context, () => client, () => shutdown!.token);

  try {
    const serverStarted = performance.now();
    await client.start();
    // Activation cost, read by the end-to-end suite from this channel's log file.
    const now = performance.now();
    await applyProtocolTrace();
    // After the client's own configuration listener, which resets its trace on every change.
    context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('netpath.trace.server')) void applyProtocolTrace();
    }));
    output.appendLine(`activated in ${Math.round(now - activationStarted)} ms (language server started in ${Math.round(now - serverStarted)} ms)`);
  } catch (e) {
    showStatus(status, { text: '$(error) netpath', tooltip: 'netpath: the language server did not start', warning: true });
    const choice = await vscode.window.showErrorMessage(`netpath: the language server did not start: ${(e as Error).message}`, 'Show Log');
    if (choice) output.show(true);
  }
}

export async function deactivate(): Promise<void> {
  shutdown?.cancel();
  await client?.stop();
  client = undefined;
}

/** The client's protocol trace: on only when `netpath.trace.server` is `verbose` (see protocol-trace.ts). */
async function applyProtocolTrace(): Promise<void> {
  const level = normaliseSettings(vscode.workspace.getConfiguration().get('netpath')).trace.server;
  if (protocolTrace(level) === 'verbose') await client?.setTrace(Trace.Verbose);
}

async function reindex(): Promise<void> {
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('netpath: the language server is not running; see "netpath: Show Log".');
    return;
  }
  // The server reports progress itself (workDoneProgress, cancellable from the notification).
  try {
    const summary = await client.sendRequest(ReindexRequest, shutdown?.token);
    if (summary) void vscode.window.showInformationMessage(`netpath: indexed ${summary.files.toLocaleString('en-US')} files in ${summary.seconds.toFixed(1)} s`);
  } catch (e) {
    void vscode.window.showErrorMessage(`netpath: re-index failed: ${(e as Error).message}`);
  }
}

/** The "Receive path" view: nodes come from receive-path-tree.ts; a click opens the call site. */
class ReceivePathTree implements vscode.TreeDataProvider<PathTreeNode> {
  view: vscode.TreeView<PathTreeNode> | undefined;
  /** The last search, run again when the filter changes. */
  last: { from: string; to: string[] } | undefined;
  filter: PathFilter = { via: [], avoid: [] };
  /** The result shown, for the map. */
  lastResult: ReceivePathResult | undefined;
  private roots: PathTreeNode[] = [];
  private readonly changed = new vscode.EventEmitter<PathTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  show(result: ReceivePathResult): void {
    this.lastResult = result;
    this.roots = buildPathTree(result);
    if (this.view) this.view.message = pathTreeMessage(result);
    this.changed.fire(undefined);
  }

  getChildren(node?: PathTreeNode): PathTreeNode[] {
    return node ? node.children : this.roots;
  }

  getTreeItem(node: PathTreeNode): vscode.TreeItem {
    const state = !node.children.length ? vscode.TreeItemCollapsibleState.None : node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    if (node.open) {
      const at = new vscode.Position(node.open.line - 1, node.open.col);
      const options: vscode.TextDocumentShowOptions = { selection: new vscode.Range(at, at) };
      item.command = { command: 'vscode.open', title: node.hop ? 'Open call site' : 'Open definition', arguments: [vscode.Uri.parse(node.open.uri), options] };
    }
    return item;
  }
}

/** C sources and headers under each workspace folder (the server ignores files outside the tree it indexes). */
function sourceSelector(): Array<{ scheme: string; pattern: string }> {
  return sourcePatterns((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)).map((pattern) => ({ scheme: 'file', pattern }));
}

function runningClient(): LanguageClient | undefined {
  if (client?.isRunning()) return client;
  void vscode.window.showWarningMessage('netpath: the language server is not running; see "netpath: Show Log".');
  return undefined;
}

/** Runs a request with a window progress (the first one builds the call graph, a few seconds). */
function withGraphProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title, cancellable: false }, () => work(shutdown!.token));
}

/** The entry point is the identifier under the cursor, else the function the cursor is in. */
async function functionAtCursor(editor: vscode.TextEditor): Promise<string | undefined> {
  const pos = editor.selection.active;
  const word = editor.document.getWordRangeAtPosition(pos, /[A-Za-z_][A-Za-z0-9_]*/);
  if (word) return editor.document.getText(word);
  const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', editor.document.uri);
  return symbols?.find((s) => s.kind === vscode.SymbolKind.Function && s.range.contains(pos))?.name;
}

async function showReceivePathFromHere(tree: ReceivePathTree): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const c = runningClient();
  if (!editor || !c) return;
  const from = await functionAtCursor(editor);
  if (!from) {
    void vscode.window.showInformationMessage('netpath: put the cursor on a function name to show its receive path.');
    return;
  }
  await requestPath(c, tree, from, []);
}

async function pickReceivePath(tree: ReceivePathTree): Promise<ReceivePathResult | undefined> {
  const c = runningClient();
  if (!c) return undefined;
  try {
    const entries = await withGraphProgress('netpath: finding NAPI poll functions', (token) => c.sendRequest(ReceivePathEntryPointsRequest, {}, token));
    const entry = await vscode.window.showQuickPick(entryPointChoices(entries), { title: 'netpath: receive path from (NAPI poll functions)', matchOnDescription: true });
    if (!entry) return undefined;
    const end = await vscode.window.showQuickPick(endPointChoices(), { title: `netpath: receive path from ${entry.label} to` });
    if (!end) return undefined;
    return await requestPath(c, tree, entry.label, end.to);
  } catch (e) {
    void vscode.window.showErrorMessage(`netpath: receive path failed: ${(e as Error).message}`);
    return undefined;
  }
}

/** Asks for the chains' filters (the same as `netpath path --via/--avoid/--max-candidates`) and searches again. */
async function filterReceivePath(tree: ReceivePathTree): Promise<void> {
  const ask = async (prompt: string, value: string, check: (v: string) => string | undefined) =>
    vscode.window.showInputBox({ title: 'netpath: filter receive paths', prompt, value, validateInput: check });
  const names = (v: string) => {
    const r = parseNames(v);
    return typeof r === 'string' ? r : undefined;
  };
  const via = await ask('Functions the chains must pass, in order (empty for none)', tree.filter.via.join(', '), names);
  if (via === undefined) return;
  const avoid = await ask('Functions the chains must not pass (empty for none)', tree.filter.avoid.join(', '), names);
  if (avoid === undefined) return;
  const max = await ask('Leave out indirect calls with more candidates than (empty for no limit)', tree.filter.maxCandidates ? String(tree.filter.maxCandidates) : '',
    (v) => (v.trim() === '' || /^[1-9]\d*$/.test(v.trim()) ? undefined : 'a positive whole number, or empty'));
  if (max === undefined) return;
  tree.filter = { via: parseNames(via) as string[], avoid: parseNames(avoid) as string[], ...(max.trim() ? { maxCandidates: Number(max) } : {}) };
  const c = runningClient();
  if (!tree.last) {
    void vscode.window.showInformationMessage(`netpath: receive path filter set${filterText(tree.filter) || ' (none)'}; pick an entry point to search.`);
    return;
  }
  if (c) await requestPath(c, tree, tree.last.from, tree.last.to);
}

async function requestPath(c: LanguageClient, tree: ReceivePathTree, from: string, to: string[]): Promise<ReceivePathResult | undefined> {
  tree.last = { from, to };
  try {
    const params = { from, to, max: DEFAULT_RECEIVE_PATHS, ...tree.filter };
    const result = await withGraphProgress(`netpath: receive path from ${from}`, (token) => c.sendRequest(ReceivePathRequest, params, token));
    tree.show(result);
    await vscode.commands.executeCommand(`${RECEIVE_PATH_VIEW}.focus`);
    if (!result.paths.length && !result.inbound?.paths.length) void vscode.window.showInformationMessage(`netpath: ${pathTreeMessage(result)}`);
    return result;
  } catch (e) {
    void vscode.window.showErrorMessage(`netpath: receive path failed: ${(e as Error).message}`);
    return undefined;
  }
}

function showStatus(item: vscode.StatusBarItem, s: { text: string; tooltip: string; warning: boolean }): void {
  item.text = s.text;
  item.tooltip = s.tooltip;
  item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
}
