// VS Code glue for "netpath: Map a stack trace…": takes the selection, an untitled or plain-text
// editor's text, or the clipboard, sends MapStackTraceRequest and shows the "Stack trace" view
// (nodes from stack-trace-tree.ts); a click opens the frame's definition.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { MapStackTraceRequest } from '../../shared/protocol';
import { parseTrace } from '../../server/src/engine/traces/parse-trace';
import { buildTraceTree, MAP_STACK_TRACE_COMMAND, STACK_TRACE_VIEW, traceTreeMessage, type TraceTreeNode } from './stack-trace-tree';

export function registerStackTrace(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, token: () => vscode.CancellationToken): void {
  const tree = new StackTraceTree();
  const view = vscode.window.createTreeView(STACK_TRACE_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  tree.view = view;
  context.subscriptions.push(view, vscode.commands.registerCommand(MAP_STACK_TRACE_COMMAND, async () => {
    const c = getClient();
    if (!c?.isRunning()) return void vscode.window.showWarningMessage('netpath: the language server is not running; see "netpath: Show Log".');
    const text = await traceText();
    if (text === undefined) return;
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'netpath: mapping the stack trace' }, () => c.sendRequest(MapStackTraceRequest, { text }, token()));
      tree.show(buildTraceTree(result), traceTreeMessage(result));
      await vscode.commands.executeCommand(`${STACK_TRACE_VIEW}.focus`);
    } catch (e) {
      void vscode.window.showErrorMessage(`netpath: mapping the stack trace failed: ${(e as Error).message}`);
    }
  }));
}

/** The selection; else an untitled or plain-text editor's whole text; else the clipboard or an input box. */
async function traceText(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor && !editor.selection.isEmpty) return editor.document.getText(editor.selection);
  if (editor && (editor.document.isUntitled || editor.document.languageId === 'plaintext' || editor.document.languageId === 'log')) return editor.document.getText();
  const clip = await vscode.env.clipboard.readText();
  const frames = parseTrace(clip).stacks.reduce((n, s) => n + s.length, 0);
  if (frames) {
    const use = await vscode.window.showInformationMessage(`netpath: map the stack trace on the clipboard (${frames} frames)?`, 'Map it', 'Paste into an editor');
    if (use === 'Map it') return clip;
    if (!use) return undefined;
  }
  const typed = await vscode.window.showInputBox({
    title: 'netpath: map a stack trace',
    prompt: 'A folded stack (a;b;c) or one frame per ";". For a whole trace, leave this empty: an editor opens to paste it into, then run the command again.',
  });
  if (typed) return typed.includes(';') ? typed : typed.split(/\s{2,}/).join('\n');
  if (typed === '') {
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: frames ? clip : '' });
    await vscode.window.showTextDocument(doc);
    void vscode.window.showInformationMessage('netpath: paste the stack trace here, then run "netpath: Map a stack trace…" again.');
  }
  return undefined;
}

class StackTraceTree implements vscode.TreeDataProvider<TraceTreeNode> {
  view: vscode.TreeView<TraceTreeNode> | undefined;
  private roots: TraceTreeNode[] = [];
  private readonly changed = new vscode.EventEmitter<TraceTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  show(roots: TraceTreeNode[], message: string): void {
    this.roots = roots;
    if (this.view) this.view.message = message;
    this.changed.fire(undefined);
  }

  getTreeItem(n: TraceTreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label, n.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.iconPath = new vscode.ThemeIcon(n.icon, n.kind === 'unresolved' ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
    if (n.open) {
      const pos = new vscode.Position(Math.max(0, n.open.line - 1), 0);
      item.command = { title: 'Open', command: 'vscode.open', arguments: [vscode.Uri.parse(n.open.uri), { selection: new vscode.Range(pos, pos) }] };
    }
    return item;
  }

  getChildren(n?: TraceTreeNode): TraceTreeNode[] {
    return n ? n.children : this.roots;
  }
}
