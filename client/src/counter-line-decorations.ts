// VS Code glue for counter-line-rates.ts: while a counters panel streams, the lines that increment
// a moving counter show its rate at the end of the line. Sites are asked one counter at a time
// (a burst of moving counters at the first sample must not queue dozens of server queries at once).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CounterSitesRequest, type CounterRowView } from '../../shared/protocol';
import { CounterLineRates } from './counter-line-rates';

export class CounterLineDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorWarning.foreground') },
    isWholeLine: true,
  });
  private readonly subscription = vscode.window.onDidChangeVisibleTextEditors(() => this.paint());
  private state = new CounterLineRates();
  private host: string | undefined;
  private queue = Promise.resolve();

  constructor(private readonly getClient: () => LanguageClient | undefined) {}

  /** One sample of the panel's host: rates updated, sites of newly moving counters asked for. */
  sample(host: string, rows: Iterable<CounterRowView>): void {
    if (host !== this.host) {
      this.state = new CounterLineRates();
      this.host = host;
    }
    const state = this.state;
    for (const name of state.update(rows)) this.queue = this.queue.then(() => this.fetch(state, name));
    this.paint();
  }

  private async fetch(state: CounterLineRates, name: string): Promise<void> {
    const c = this.getClient();
    if (!c?.isRunning()) return state.sites(name, undefined);
    try {
      state.sites(name, (await c.sendRequest(CounterSitesRequest, { counter: name })).sites);
    } catch {
      // No index yet, or a counter this tree does not know: asked again later (RETRY_MS).
      state.sites(name, undefined);
    }
    if (state === this.state) this.paint();
  }

  /** The panel closed: no rate is shown any more. */
  clear(): void {
    this.state = new CounterLineRates();
    this.host = undefined;
    this.paint();
  }

  private paint(): void {
    const decos = this.host ? this.state.decorations(this.host) : [];
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      editor.setDecorations(this.type, decos.filter((d) => d.uri === uri).map((d) => ({
        range: new vscode.Range(d.line - 1, 0, d.line - 1, 0),
        renderOptions: { after: { contentText: `  ${d.text}` } },
        hoverMessage: new vscode.MarkdownString(d.hover),
      })));
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.type.dispose();
  }
}
