// *netpath: Watch drops on host…*: runs a live drop session (server/src/live-drops/session.ts,
// the same fixed root script as `netpath drops --live`) from the extension host, sends each
// interval to the language server for attribution, and shows the result at the drop-site lines
// (decorations with rate, reason and host, a hover with the last intervals) and in a status bar
// item whose click stops the session. Root is an explicit choice per session, never stored.
// Other parts (the Drop sites view's badges, the counters panel's "Drops by location") follow
// the session through the returned LiveDropsBus.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LiveDropsAttributeRequest } from '../../shared/protocol';
import { userSshConfigHosts, validateHost } from '../../live-counters/ssh-host';
import { LiveDropSession } from '../../server/src/live-drops/session';
import type { SessionInterval } from '../../server/src/live-drops/session-frames';
import { LiveDropsViewState } from './live-drops-state';

export const WATCH_DROPS_COMMAND = 'netpath.watchDrops';
export const STOP_DROPS_COMMAND = 'netpath.stopWatchingDrops';
const LOCAL = 'local';

/** The running session's view state after each interval; undefined when no session runs. */
export interface LiveDropsBus {
  current(): LiveDropsViewState | undefined;
  readonly onDidChange: vscode.Event<LiveDropsViewState | undefined>;
}

export function registerLiveDrops(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, output: vscode.LogOutputChannel): LiveDropsBus {
  const changed = new vscode.EventEmitter<LiveDropsViewState | undefined>();
  const status = vscode.window.createStatusBarItem('netpath.liveDrops', vscode.StatusBarAlignment.Left, 8);
  status.name = 'netpath live drops';
  status.command = STOP_DROPS_COMMAND;
  const decoration = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorError.foreground') },
    isWholeLine: true,
  });
  let watch: Watch | undefined;
  const stop = async () => {
    const w = watch;
    watch = undefined;
    await w?.stop();
  };
  context.subscriptions.push(changed, status, decoration,
    vscode.commands.registerCommand(WATCH_DROPS_COMMAND, async () => {
      const target = await pickTarget();
      if (!target) return;
      await stop();
      watch = new Watch(target.host, target.sudo, getClient, output, status, decoration, (st) => changed.fire(st));
    }),
    vscode.commands.registerCommand(STOP_DROPS_COMMAND, stop),
    vscode.window.onDidChangeVisibleTextEditors(() => watch?.paint()),
    { dispose: () => void stop() });
  return { current: () => watch?.live(), onDidChange: changed.event };
}

async function pickTarget(): Promise<{ host: string; sudo: boolean } | undefined> {
  const typed = '$(edit) Type a host…';
  const choice = await vscode.window.showQuickPick([
    { label: LOCAL, description: 'this machine (the editor must run as root, or use sudo -n)' },
    ...userSshConfigHosts().map((h) => ({ label: h, description: '~/.ssh/config' })),
    { label: typed },
  ], { title: 'netpath: watch drops on (needs root there)' });
  if (!choice) return undefined;
  let host = choice.label;
  if (host === typed) {
    const v = await vscode.window.showInputBox({
      title: 'netpath: ssh host to watch drops on',
      prompt: 'A Host of ~/.ssh/config or [user@]hostname; its key must already be in known_hosts',
      validateInput: (x) => {
        try {
          validateHost(x);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    });
    if (!v) return undefined;
    host = validateHost(v);
  }
  const how = await vscode.window.showQuickPick([
    { label: host === LOCAL ? 'As this user' : 'ssh logs in as root', sudo: false, description: 'the session script runs as is' },
    { label: 'With sudo -n', sudo: true, description: 'needs passwordless sudo for "sh -s"' },
  ], { title: `netpath: root on ${host}: it enables skb:kfree_skb (its own tracefs instance, or bpftrace) and restores it on stop` });
  return how ? { host, sudo: how.sudo } : undefined;
}

class Watch {
  private readonly state: LiveDropsViewState;
  private readonly session: LiveDropSession;
  private release = '?';
  private lastUptime: number | undefined;
  private queue = Promise.resolve();
  private stopped = false;

  constructor(readonly host: string, sudo: boolean, private readonly getClient: () => LanguageClient | undefined, private readonly output: vscode.LogOutputChannel,
    private readonly status: vscode.StatusBarItem, private readonly decoration: vscode.TextEditorDecorationType,
    private readonly changed: (state: LiveDropsViewState | undefined) => void) {
    this.state = new LiveDropsViewState(host);
    this.showStatus();
    status.show();
    this.session = new LiveDropSession({ host, intervalS: 1, sudo }, {
      message: (m) => {
        if (m.kind === 'hello') {
          this.release = m.release;
          output.info(`live drops ${host}: ${m.source} on ${m.release} (${m.instance})`);
        } else if (m.kind === 'error') {
          void vscode.window.showErrorMessage(`netpath live drops on ${host}: ${m.message}`);
        } else if (m.kind === 'interval') {
          this.queue = this.queue.then(() => this.interval(m)).catch((e) => output.error(`live drops ${host}: ${(e as Error).message}`));
        }
      },
      closed: (info) => {
        if (info.error && !this.stopped) void vscode.window.showErrorMessage(`netpath live drops: ${info.error}`);
        this.clear();
      },
    });
    this.session.start();
  }

  private async interval(m: SessionInterval): Promise<void> {
    const seconds = this.lastUptime !== undefined && m.uptime > this.lastUptime ? m.uptime - this.lastUptime : 1;
    this.lastUptime = m.uptime;
    const client = this.getClient();
    if (!client || this.stopped) return;
    const result = await client.sendRequest(LiveDropsAttributeRequest, {
      release: this.release, seconds, seq: m.seq, events: m.events, lost: m.lost, capped: m.capped, sampleEvery: m.sampleEvery,
      rows: m.rows.map((r) => ({ ...r.location, ...(r.reason ? { reason: r.reason } : {}), count: r.count })),
    });
    if (this.stopped) return;
    this.state.update(m.seq, result, m);
    this.showStatus();
    this.paint();
    this.changed(this.state);
  }

  /** The state while the session runs. */
  live(): LiveDropsViewState | undefined {
    return this.stopped ? undefined : this.state;
  }

  private showStatus(): void {
    const s = this.state.status();
    this.status.text = s.text;
    this.status.tooltip = s.tooltip;
  }

  paint(): void {
    const decos = this.stopped ? [] : this.state.decorations();
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      editor.setDecorations(this.decoration, decos.filter((d) => d.uri === uri).map((d) => ({
        range: new vscode.Range(d.line - 1, 0, d.line - 1, 0),
        renderOptions: { after: { contentText: `  ${d.text}` } },
        hoverMessage: new vscode.MarkdownString(d.hover),
      })));
    }
  }

  private clear(): void {
    this.stopped = true;
    this.paint();
    this.status.hide();
    this.changed(undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.session.stop();
    this.clear();
  }
}
