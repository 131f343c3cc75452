// The probe commands in VS Code: ask the server for a script and open it in a new untitled
// editor in language `systemtap`. Deliberately thin: the parameters come from probe-params.ts.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GenerateProbeRequest, PROBE_COMMANDS, type ProbeCommandArgs, type ProbeMode } from '../../shared/protocol';
import { noTargetMessage, probeParams, PROBE_TITLES } from './probe-params';

export function registerProbeCommands(context: vscode.ExtensionContext, client: () => LanguageClient | undefined, token: () => vscode.CancellationToken): void {
  for (const mode of Object.keys(PROBE_COMMANDS) as ProbeMode[]) {
    context.subscriptions.push(vscode.commands.registerCommand(PROBE_COMMANDS[mode], (args?: ProbeCommandArgs) => generate(mode, args, client(), token())));
  }
}

async function generate(mode: ProbeMode, args: ProbeCommandArgs | undefined, client: LanguageClient | undefined, token: vscode.CancellationToken): Promise<void> {
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('netpath: the language server is not running; see "netpath: Show Log".');
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const cursor = editor && { uri: editor.document.uri.toString(), line: editor.selection.active.line };
  const params = probeParams(mode, args, cursor);
  if (!params) {
    void vscode.window.showInformationMessage(noTargetMessage(mode));
    return;
  }
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `netpath: ${PROBE_TITLES[mode]}` },
      () => client.sendRequest(GenerateProbeRequest, params, token),
    );
    const doc = await vscode.workspace.openTextDocument({ language: result.languageId, content: result.text });
    await vscode.window.showTextDocument(doc, { preview: false });
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
  }
}
