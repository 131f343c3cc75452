// The probe commands in VS Code: ask the server for a script and open it in a new untitled
// editor in its language (`systemtap` or `bpftrace`). The SystemTap commands always write
// SystemTap, the bpftrace ones bpftrace; "Probe for host…" asks a host and what to probe, and
// leaves the tool to the netpath.probes.defaultTool setting. Deliberately thin: the parameters
// come from probe-params.ts.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { BPFTRACE_PROBE_COMMANDS, GenerateProbeRequest, PROBE_COMMANDS, PROBE_FOR_HOST_COMMAND, type ProbeCommandArgs, type ProbeMode } from '../../shared/protocol';
import { HOST_PROBE_CHOICES, noTargetMessage, probeParams, PROBE_TITLES, type ProbeOptions } from './probe-params';
import { pickHost } from './host-picker';

export function registerProbeCommands(context: vscode.ExtensionContext, client: () => LanguageClient | undefined, token: () => vscode.CancellationToken): void {
  for (const mode of Object.keys(PROBE_COMMANDS) as ProbeMode[]) {
    context.subscriptions.push(vscode.commands.registerCommand(PROBE_COMMANDS[mode], (args?: ProbeCommandArgs) => generate(mode, args, client(), token(), { tool: 'stap' })));
  }
  for (const mode of Object.keys(BPFTRACE_PROBE_COMMANDS) as Array<keyof typeof BPFTRACE_PROBE_COMMANDS>) {
    context.subscriptions.push(vscode.commands.registerCommand(BPFTRACE_PROBE_COMMANDS[mode], (args?: ProbeCommandArgs) => generate(mode, args, client(), token(), { tool: 'bpftrace' })));
  }
  context.subscriptions.push(vscode.commands.registerCommand(PROBE_FOR_HOST_COMMAND, async (args?: ProbeCommandArgs) => {
    const host = await pickHost('netpath: probe for host', 'this machine (its facts read with sh -s, no ssh)');
    if (!host) return;
    const what = await vscode.window.showQuickPick(HOST_PROBE_CHOICES.map((c) => ({ label: c.label, choice: c })), { title: `netpath: probe on ${host}` });
    if (!what) return;
    await generate(what.choice.mode, args, client(), token(), { host, ...(what.choice.tool ? { tool: what.choice.tool } : {}) });
  }));
}

async function generate(mode: ProbeMode, args: ProbeCommandArgs | undefined, client: LanguageClient | undefined, token: vscode.CancellationToken, options: ProbeOptions): Promise<void> {
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('netpath: the language server is not running; see "netpath: Show Log".');
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const cursor = editor && { uri: editor.document.uri.toString(), line: editor.selection.active.line };
  const params = probeParams(mode, args, cursor, options);
  if (!params) {
    void vscode.window.showInformationMessage(noTargetMessage(mode));
    return;
  }
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `netpath: ${PROBE_TITLES[mode]}${options.host ? ` on ${options.host}` : ''}` },
      () => client.sendRequest(GenerateProbeRequest, params, token),
    );
    const doc = await vscode.workspace.openTextDocument({ language: result.languageId, content: result.text });
    await vscode.window.showTextDocument(doc, { preview: false });
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
  }
}
