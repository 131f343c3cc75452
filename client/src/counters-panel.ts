// The live counters panel in VS Code: picks a host, runs its feed (ssh or local), feeds the model
// and the pure view state (counters-state.ts) and posts typed messages to the webview; a status bar
// item shows the host and its total drop rate. A click on a counter asks the language server for
// the kernel lines that increment it and opens them. While the panel streams, increment lines show
// their counter's rate (counter-line-decorations.ts); while a live drop session runs on the
// panel's host, "Drops by location" leads the page (a session on another host is not mixed in:
// the counters below would not be the ones dropping).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CounterSitesRequest, IndexStatusRequest, type CountersFromWebview, type CountersToWebview } from '../../shared/protocol';
import { driversOf, interfaceOfKey } from '../../live-counters/drivers';
import type { CounterFeed, FeedListener } from '../../live-counters/feed';
import { LocalFeed } from '../../live-counters/local-feed';
import { CounterModel } from '../../live-counters/model';
import { SshFeed } from '../../live-counters/ssh-feed';
import { pickHost } from './host-picker';
import { countersHtml, newNonce } from './counters-html';
import { countersStatusText, CountersViewState } from './counters-state';
import { CounterLineDecorations } from './counter-line-decorations';
import type { LiveDropsBus } from './live-drops-watch';

export const SHOW_COUNTERS_COMMAND = 'netpath.showCounters';
const LOCAL = 'local';
const INTERVAL_S = 1;

export function registerCountersPanel(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, output: vscode.LogOutputChannel, live: LiveDropsBus): void {
  const lines = new CounterLineDecorations(getClient);
  const status = vscode.window.createStatusBarItem('netpath.counters', vscode.StatusBarAlignment.Left, 9);
  status.name = 'netpath counters';
  status.command = SHOW_COUNTERS_COMMAND;
  let panel: CountersPanel | undefined;
  context.subscriptions.push(status, lines, vscode.commands.registerCommand(SHOW_COUNTERS_COMMAND, async () => {
    if (panel) return panel.reveal();
    const host = await pickCountersHost();
    if (!host) return;
    panel = new CountersPanel(context, getClient, output, status, host, lines, live, () => (panel = undefined));
  }), { dispose: () => panel?.dispose() });
}

function pickCountersHost(): Promise<string | undefined> {
  return pickHost('netpath: live counters of', 'this machine, read from /proc (no ssh)');
}

class CountersPanel {
  private readonly panel: vscode.WebviewPanel;
  private disposed = false;
  private feed: CounterFeed | undefined;
  private model = new CounterModel();
  private view = new CountersViewState();
  private indexedVersion: string | undefined;
  private host: string;
  private warned = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly getClient: () => LanguageClient | undefined,
    private readonly output: vscode.LogOutputChannel,
    private readonly status: vscode.StatusBarItem,
    host: string,
    private readonly lines: CounterLineDecorations,
    private readonly live: LiveDropsBus,
    private readonly onDispose: () => void,
  ) {
    this.host = host;
    const media = vscode.Uri.joinPath(context.extensionUri, 'dist', 'media', 'counters');
    this.panel = vscode.window.createWebviewPanel('netpath.counters', `Counters: ${host}`, vscode.ViewColumn.Beside, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media],
    });
    const w = this.panel.webview;
    const asset = (f: string) => w.asWebviewUri(vscode.Uri.joinPath(media, f)).toString();
    w.html = countersHtml({ cspSource: w.cspSource, script: asset('panel.js'), styles: [asset('uPlot.min.css'), asset('panel.css')] }, newNonce());
    w.onDidReceiveMessage((m: CountersFromWebview) => void this.onMessage(m), undefined, context.subscriptions);
    this.panel.onDidDispose(() => this.dispose());
    this.liveSubscription = live.onDidChange(() => this.postLive());
    void this.loadIndexedVersion();
    this.start(host);
  }

  private readonly liveSubscription: vscode.Disposable;

  /** "Drops by location": the live session's latest interval when it runs on this panel's host. */
  private postLive(): void {
    const state = this.live.current();
    const session = state && state.host === this.host ? state.locations() : undefined;
    this.post({ type: 'liveDrops', ...(session ? { session } : {}) });
  }

  reveal(): void {
    this.panel.reveal();
  }

  /**
   * Posting to a closed panel throws "Webview is disposed" (and a feed snapshot or a sites answer
   * can arrive after the close): nothing is posted once disposed, and a close racing a post is
   * caught here rather than left as an unhandled rejection in the extension host.
   */
  private post(m: CountersToWebview): void {
    if (this.disposed) return;
    try {
      this.panel.webview.postMessage(m).then(undefined, () => undefined);
    } catch {
      // disposed between the check and the post
    }
  }

  private versionAsked = 0;

  /** The indexed tree's version for the guard; asked again (at most every 30 s) until an index is ready. */
  private async loadIndexedVersion(): Promise<void> {
    const c = this.getClient();
    if (this.indexedVersion || Date.now() - this.versionAsked < 30000 || !c?.isRunning()) return;
    this.versionAsked = Date.now();
    try {
      this.indexedVersion = (await c.sendRequest(IndexStatusRequest)).summary?.version;
    } catch {
      // no index: no version guard
    }
  }

  private start(host: string): void {
    void this.feed?.stop();
    this.drivers = new Map();
    this.host = host;
    this.model = new CounterModel();
    this.view = new CountersViewState();
    this.warned = false;
    this.panel.title = `Counters: ${host}`;
    this.postLive();
    const listener: FeedListener = {
      snapshot: (raw) => {
        if (this.disposed) return;
        this.drivers = driversOf(raw, this.drivers);
        void this.loadIndexedVersion();
        const msg = this.view.apply(host, this.model.update(raw), this.indexedVersion);
        this.post(msg);
        this.lines.sample(host, msg.sources.flatMap((x) => x.rows));
        this.showStatus('streaming', msg.totalDropRate);
        if (msg.versionWarning && !this.warned) {
          this.warned = true;
          void vscode.window.showWarningMessage(`netpath: ${msg.versionWarning}`);
        }
      },
      state: (s) => {
        if (this.disposed) return;
        this.post({ type: 'state', host, state: s.state, message: s.message });
        if (s.state !== 'streaming') this.showStatus(s.state, undefined, s.message);
        if (s.state === 'failed') {
          this.output.error(`counters ${host}: ${s.message}`);
          void vscode.window.showErrorMessage(`netpath counters: ${s.message}`);
        } else if (s.message) this.output.warn(`counters ${host}: ${s.message}`);
      },
    };
    try {
      this.feed = host === LOCAL ? new LocalFeed(INTERVAL_S, listener) : new SshFeed({ host, intervalS: INTERVAL_S }, listener);
      this.feed.start();
    } catch (e) {
      listener.state({ state: 'failed', message: (e as Error).message });
    }
  }

  private showStatus(state: Parameters<typeof countersStatusText>[1], rate?: number, message?: string): void {
    const s = countersStatusText(this.host, state, rate, message);
    this.status.text = s.text;
    this.status.tooltip = s.tooltip;
    this.status.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.status.show();
  }

  private async onMessage(m: CountersFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.postLive();
        return;
      case 'pickHost': {
        const host = await pickCountersHost();
        if (host) this.start(host);
        return;
      }
      case 'openSite': {
        const at = new vscode.Position(Math.max(0, m.line - 1), 0);
        // Another editor group than the panel's, so the panel stays in view where it was scrolled.
        const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
        await vscode.window.showTextDocument(vscode.Uri.parse(m.uri), { selection: new vscode.Range(at, at), viewColumn: column, preserveFocus: false });
        return;
      }
      case 'showSites': {
        const c = this.getClient();
        if (!c?.isRunning()) {
          this.post({ type: 'sites', key: m.key, error: 'the language server is not running (open a kernel tree to link counters to code)' });
          return;
        }
        try {
          const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `netpath: sites of ${m.sitesName}` },
            (_p, token) => c.sendRequest(CounterSitesRequest, { counter: m.sitesName, ...driverParam(this.drivers, m.key) }, token));
          this.post({ type: 'sites', key: m.key, result });
        } catch (e) {
          this.post({ type: 'sites', key: m.key, error: (e as Error).message });
        }
        return;
      }
    }
  }

  /** Interface -> driver, from the host (counters/drivers.ts): a device counter's sites start with its driver's. */
  private drivers = new Map<string, string>();

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.feed?.stop();
    this.feed = undefined;
    this.liveSubscription.dispose();
    this.lines.clear();
    this.status.hide();
    this.onDispose();
    this.panel.dispose();
  }
}

/** The driver parameter of a device counter's sites request, when the host named that interface's driver. */
function driverParam(drivers: ReadonlyMap<string, string>, key: string): { driver?: string } {
  const ifname = interfaceOfKey(key);
  const driver = ifname !== undefined ? drivers.get(ifname) : undefined;
  return driver ? { driver } : {};
}
