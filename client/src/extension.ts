// VS Code entry point: starts the netpath language server and shows its state. Deliberately thin;
// anything testable without VS Code lives in modules that do not import `vscode`.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { IndexReadyNotification, IndexStatusNotification, normaliseSettings, ReindexRequest } from '../../shared/protocol';
import { statusText } from './status-text';

let client: LanguageClient | undefined;
/** Cancelled on deactivation, so pending requests stop waiting for a server that is going away. */
let shutdown: vscode.CancellationTokenSource | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  shutdown = new vscode.CancellationTokenSource();
  const output = vscode.window.createOutputChannel('netpath', { log: true });
  const status = vscode.window.createStatusBarItem('netpath.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'netpath';
  status.command = 'netpath.showLog';
  showStatus(status, statusText({ state: 'starting', fileUpdates: 0 }));
  status.show();
  context.subscriptions.push(output, status);

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'c' }],
    outputChannel: output,
    initializationOptions: normaliseSettings(vscode.workspace.getConfiguration().get('netpath')),
    synchronize: {
      configurationSection: 'netpath',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{c,h}'),
    },
  };
  client = new LanguageClient('netpath', 'netpath', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onNotification(IndexStatusNotification, (s) => showStatus(status, statusText(s))),
    client.onNotification(IndexReadyNotification, (s) => output.appendLine(`index ready: Linux ${s.version ?? '?'}, ${s.files} files, ${s.functions} functions`)),
    vscode.commands.registerCommand('netpath.showLog', () => output.show(true)),
    vscode.commands.registerCommand('netpath.reindex', () => reindex()),
  );

  try {
    await client.start();
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

function showStatus(item: vscode.StatusBarItem, s: { text: string; tooltip: string; warning: boolean }): void {
  item.text = s.text;
  item.tooltip = s.tooltip;
  item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
}
