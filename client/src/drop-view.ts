// VS Code glue for drop sites: the "Drop sites" tree view (nodes from drop-sites-tree.ts), its
// filter commands, the "N drop sites" lens command and "netpath: Explain counter…".
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CounterMapRequest, CounterSitesRequest, DropSitesRequest, type DropSiteInfo, type DropSitesParams } from '../../shared/protocol';
import {
  buildDropTree, counterChoices, DROP_SITES_COMMANDS, DROP_SITES_VIEW, dropTreeMessage, filterSites, reasonChoices,
  type DropFilter, type DropTreeNode,
} from './drop-sites-tree';

export function registerDropSites(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, token: () => vscode.CancellationToken): void {
  const tree = new DropSitesTree();
  const view = vscode.window.createTreeView(DROP_SITES_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  tree.view = view;
  const running = (): LanguageClient | undefined => {
    const c = getClient();
    if (c?.isRunning()) return c;
    void vscode.window.showWarningMessage('netpath: the language server is not running; see "netpath: Show Log".');
    return undefined;
  };
  const load = async (scope: string, params: DropSitesParams) => {
    const c = running();
    if (!c) return;
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `netpath: drop sites in ${scope}` }, () => c.sendRequest(DropSitesRequest, params, token()));
      tree.show(scope, r.sites, r.filesLeftOut);
      await vscode.commands.executeCommand(`${DROP_SITES_VIEW}.focus`);
    } catch (e) {
      void vscode.window.showErrorMessage(`netpath: drop sites failed: ${(e as Error).message}`);
    }
  };
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.inFile, async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) return void vscode.window.showInformationMessage('netpath: open a C file or header of the kernel tree first.');
      await load(vscode.workspace.asRelativePath(target), { uri: target.toString() });
    }),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.inFolder, async () => {
      const active = vscode.window.activeTextEditor?.document.uri;
      const guess = active ? vscode.workspace.asRelativePath(active).replace(/\/[^/]*$/, '') : 'net/core';
      const folder = await vscode.window.showInputBox({ title: 'netpath: drop sites in folder (tree-relative)', value: guess, prompt: 'e.g. net/ipv4 or drivers/net' });
      if (folder !== undefined) await load(folder || 'the tree', { folder });
    }),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.filterCounter, async () => {
      const pick = await vscode.window.showQuickPick(counterChoices(tree.sites), { title: 'netpath: show drop sites that increment' });
      if (pick) tree.setFilter({ ...tree.filter, counter: pick });
    }),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.filterReason, async () => {
      const pick = await vscode.window.showQuickPick(reasonChoices(tree.sites), { title: 'netpath: show drop sites with reason' });
      if (pick) tree.setFilter({ ...tree.filter, reason: pick });
    }),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.receivePathOnly, () => tree.setFilter({ ...tree.filter, receivePathOnly: !tree.filter.receivePathOnly })),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.clearFilter, () => tree.setFilter({})),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.showAt, async (uri: string, lines: number[]) => {
      const target = vscode.Uri.parse(uri);
      const locations = lines.map((l) => new vscode.Location(target, new vscode.Position(l - 1, 0)));
      const first = locations[0]?.range.start ?? new vscode.Position(0, 0);
      await vscode.commands.executeCommand('editor.action.showReferences', target, first, locations);
    }),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.explainCounter, () => explainCounter(running, token)),
  );
}

/** "netpath: Explain counter…": pick a counter of the tree's counter map, then one of the lines that increment it. */
async function explainCounter(running: () => LanguageClient | undefined, token: () => vscode.CancellationToken): Promise<void> {
  const c = running();
  if (!c) return;
  try {
    const counters = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'netpath: reading the counter map' }, () => c.sendRequest(CounterMapRequest, {}, token()));
    const counter = await vscode.window.showQuickPick(
      counters.map((x) => ({ label: x.key, description: x.file, detail: [x.mib, x.field ? `.${x.field}` : '', x.drop ? 'counts drops' : ''].filter(Boolean).join('  '), key: x.key })),
      { title: 'netpath: explain counter', matchOnDescription: true, matchOnDetail: true });
    if (!counter) return;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `netpath: sites of ${counter.key}` }, () => c.sendRequest(CounterSitesRequest, { counter: counter.key }, token()));
    if (!r.sites.length) return void vscode.window.showInformationMessage(`netpath: nothing in the indexed scope increments ${counter.key}.`);
    const site = await vscode.window.showQuickPick(
      r.sites.map((s) => ({ label: s.function, description: `${s.file}:${s.line}`, detail: s.via, site: s })),
      { title: `${r.counter} (${r.file}${r.mib ? `, ${r.mib}` : ''}): ${r.sites.length} site${r.sites.length === 1 ? '' : 's'}`, matchOnDescription: true });
    if (!site) return;
    const at = new vscode.Position(site.site.line - 1, 0);
    await vscode.window.showTextDocument(vscode.Uri.parse(site.site.uri), { selection: new vscode.Range(at, at) });
  } catch (e) {
    void vscode.window.showErrorMessage(`netpath: explain counter failed: ${(e as Error).message}`);
  }
}

class DropSitesTree implements vscode.TreeDataProvider<DropTreeNode> {
  view: vscode.TreeView<DropTreeNode> | undefined;
  sites: DropSiteInfo[] = [];
  filter: DropFilter = {};
  private scope: string | undefined;
  private filesLeftOut = 0;
  private roots: DropTreeNode[] = [];
  private readonly changed = new vscode.EventEmitter<DropTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  show(scope: string, sites: DropSiteInfo[], filesLeftOut: number): void {
    this.scope = scope;
    this.sites = sites;
    this.filesLeftOut = filesLeftOut;
    this.refresh();
  }

  setFilter(f: DropFilter): void {
    this.filter = f;
    this.refresh();
  }

  private refresh(): void {
    this.roots = buildDropTree(this.sites, this.filter);
    if (this.view) this.view.message = dropTreeMessage(this.scope, this.sites.length, filterSites(this.sites, this.filter).length, this.filter, this.filesLeftOut);
    this.changed.fire(undefined);
  }

  getChildren(node?: DropTreeNode): DropTreeNode[] {
    return node ? node.children : this.roots;
  }

  getTreeItem(node: DropTreeNode): vscode.TreeItem {
    const state = node.children.length ? (node.kind === 'site' || node.kind === 'function' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded) : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    if (node.uri && node.line) {
      const at = new vscode.Position(node.line - 1, 0);
      item.command = { command: 'vscode.open', title: 'Open drop site', arguments: [vscode.Uri.parse(node.uri), { selection: new vscode.Range(at, at) }] };
    }
    return item;
  }
}
