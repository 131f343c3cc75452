// VS Code glue for drop sites: the "Drop sites" tree view (nodes from drop-sites-tree.ts), its
// filter commands, the "N drop sites" lens command and "netpath: Explain counter…". While a live
// drop session runs, its rates lead the rows' descriptions and the view's badge counts the sites
// dropping now (drop-sites-live.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CounterMapRequest, DropSitesRequest, ExplainCounterRequest, type CounterInfo, type DropSiteInfo, type DropSitesParams } from '../../shared/protocol';
import { counterTitle, matchCounters, nstatName, resolveCounter } from '../../shared/counter-names';
import { explanationMarkdown } from '../../shared/counter-explanation';
import {
  buildDropTree, counterChoices, siteDescription, siteLabel, DROP_SITES_COMMANDS, DROP_SITES_VIEW, dropTreeMessage, filterSites, reasonChoices,
  type DropFilter, type DropTreeNode,
} from './drop-sites-tree';
import { liveBadge, sitesInView, withLiveRates } from './drop-sites-live';
import type { LiveDropsBus } from './live-drops-watch';

export function registerDropSites(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, token: () => vscode.CancellationToken, live: LiveDropsBus): void {
  const tree = new DropSitesTree(live);
  const view = vscode.window.createTreeView(DROP_SITES_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  tree.view = view;
  context.subscriptions.push(live.onDidChange(() => tree.refresh()));
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
    // The "N drop sites" lens: each site labelled (line, what it does, reason, counters, condition),
    // then opened; the raw line text alone (four identical `goto drop;`) told them apart by nothing.
    // A lens made before the last edit still shows until its successor arrives: with the
    // function's name, its sites are asked for as the buffer is now, not at the stale lines.
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.showAt, async (uri: string, lines: number[], fn?: string) => {
      const target = vscode.Uri.parse(uri);
      const c = running();
      let sites: DropSiteInfo[] = [];
      if (c?.isRunning()) {
        try {
          const now = (await c.sendRequest(DropSitesRequest, { uri }, token())).sites;
          const ofFunction = fn ? now.filter((s) => s.function === fn) : [];
          sites = ofFunction.length ? ofFunction : now.filter((s) => lines.includes(s.line));
        } catch {
          // the plain locations below still open
        }
      }
      const items = sites.length
        ? sites.map((s) => ({ label: siteLabel(s), description: siteDescription(s), detail: [s.function, s.condition ? `when ${s.condition}` : '', s.through?.length ? `through ${s.through.join(' → ')}` : ''].filter(Boolean).join(' · '), line: s.line }))
        : lines.map((l) => ({ label: `${l}`, description: 'drop site', detail: '', line: l }));
      const pick = await vscode.window.showQuickPick(items, { title: `${items.length} drop site${items.length === 1 ? '' : 's'}`, matchOnDescription: true, matchOnDetail: true });
      if (!pick) return;
      const at = new vscode.Position(pick.line - 1, 0);
      await vscode.window.showTextDocument(target, { selection: new vscode.Range(at, at) });
    }),
    vscode.commands.registerCommand(DROP_SITES_COMMANDS.explainCounter, (name?: unknown) => explainCounter(running, token, context.globalStorageUri, name)),
  );
}

/**
 * "netpath: Explain counter…" (optionally with a name): pick a counter, by any of its names
 * (RcvbufErrors, Udp:RcvbufErrors, nstat's UdpRcvbufErrors; IPv4 and IPv6 labelled apart, exact
 * names first), then read its explanation (shared/counter-explanation.ts) as a Markdown page whose
 * file:line links open the tree.
 */
async function explainCounter(running: () => LanguageClient | undefined, token: () => vscode.CancellationToken, storage: vscode.Uri, name?: unknown): Promise<void> {
  const c = running();
  if (!c) return;
  try {
    const counters = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'netpath: reading the counter map' }, () => c.sendRequest(CounterMapRequest, {}, token()));
    // A name given with the command resolves as the CLI and the server resolve it (one counter:
    // explained at once); an ambiguous or unknown one opens the pick, filtered by it.
    const given = typeof name === 'string' ? resolveCounter(name, counters) : undefined;
    const key = given?.kind === 'one' ? given.counter.key : await pickCounter(counters, typeof name === 'string' ? name : undefined);
    if (!key) return;
    const x = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `netpath: explaining ${key}` }, () => c.sendRequest(ExplainCounterRequest, { counter: key }, token()));
    const root = vscode.Uri.parse(x.rootUri);
    // The page is a file in the extension's storage, its links relative paths to the tree: the
    // Markdown preview opens those (at `#L<line>`), but refuses `file:` URLs in an untitled page.
    const dir = vscode.Uri.joinPath(storage, 'explain');
    const page = vscode.Uri.joinPath(dir, `${x.key.replace(/[^A-Za-z0-9_.-]+/g, '_')}.md`);
    const link = (file: string, line: number) => `[${file}:${line}](${encodeURI(path.posix.relative(dir.path, vscode.Uri.joinPath(root, file).path))}#L${line})`;
    await vscode.workspace.fs.createDirectory(dir);
    await vscode.workspace.fs.writeFile(page, Buffer.from(explanationMarkdown(x, link), 'utf8'));
    await vscode.commands.executeCommand('markdown.showPreview', page);
  } catch (e) {
    void vscode.window.showErrorMessage(`netpath: explain counter failed: ${(e as Error).message}`);
  }
}

/** A quick pick over the counter map, re-ranked by matchCounters as the user types. */
async function pickCounter(counters: CounterInfo[], initial?: string): Promise<string | undefined> {
  const item = (x: CounterInfo): vscode.QuickPickItem & { key: string } => ({
    label: counterTitle(x), description: [x.key, nstatName(x) ? `nstat ${nstatName(x)}` : ''].filter(Boolean).join(' · '),
    detail: [x.file, x.mib, x.field ? `.${x.field}` : '', x.drop ? 'counts drops' : ''].filter(Boolean).join('  '), key: x.key,
  });
  const everything = [...counters].sort((a, b) => Number(b.drop) - Number(a.drop) || a.key.localeCompare(b.key)).map(item);
  const ranked = (q: string) => (q.trim() ? matchCounters(q, counters).map((m) => ({ ...item(m.counter), alwaysShow: true })) : everything);
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { key: string }>();
  qp.title = 'netpath: explain counter';
  qp.placeholder = 'RcvbufErrors, Udp:RcvbufErrors, UdpRcvbufErrors, Udp6RcvbufErrors, time_squeeze, rx_dropped…';
  qp.matchOnDescription = true;
  qp.value = initial ?? '';
  qp.items = ranked(qp.value);
  qp.onDidChangeValue((v) => (qp.items = ranked(v)));
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0]?.key);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
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

  constructor(private readonly live: LiveDropsBus) {}

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

  refresh(): void {
    const state = this.live.current();
    const rates = state?.siteRates() ?? [];
    const plain = buildDropTree(this.sites, this.filter);
    this.roots = withLiveRates(plain, rates);
    if (this.view) {
      this.view.message = dropTreeMessage(this.scope, this.sites.length, filterSites(this.sites, this.filter).length, this.filter, this.filesLeftOut);
      this.view.badge = state ? liveBadge(state.host, rates, sitesInView(plain, rates), state.dropRate()) : undefined;
    }
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
