// The "Receive path map" webview: draws a ReceivePathResult as one graph (laid out here by
// shared/path-map.ts, drawn by media/path-map/map.ts), opens the definition or call site a
// click lands on, and saves the picture as SVG. One panel, reused by later searches.
import * as vscode from 'vscode';
import type { PathMapFromWebview, PathMapToWebview, ReceivePathResult } from '../../shared/protocol';
import { buildPathMap, renderPathMap, svgText, type MapTarget, type SvgElement } from '../../shared/path-map';
import { newNonce } from './counters-html';
import { pathMapHtml } from './path-map-html';
import { pathTreeMessage } from './receive-path-tree';

export { SHOW_PATH_MAP_COMMAND } from './path-map-panel-id';

export class PathMapPanel {
  private static current: PathMapPanel | undefined;
  private readonly panel: vscode.WebviewPanel;
  private ready = false;
  private pending: PathMapToWebview | undefined;
  private targets: MapTarget[] = [];
  private svg: SvgElement | undefined;
  private name = 'receive-path';
  private disposed = false;

  /** Shows `result` in the map, opening the panel when none is open. */
  static show(context: vscode.ExtensionContext, result: ReceivePathResult): void {
    const p = (PathMapPanel.current ??= new PathMapPanel(context));
    p.render(result);
    p.panel.reveal(undefined, false);
  }

  private constructor(context: vscode.ExtensionContext) {
    const media = vscode.Uri.joinPath(context.extensionUri, 'dist', 'media', 'path-map');
    this.panel = vscode.window.createWebviewPanel('netpath.pathMap', 'Receive path map', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media],
    });
    const w = this.panel.webview;
    const asset = (f: string) => w.asWebviewUri(vscode.Uri.joinPath(media, f)).toString();
    w.html = pathMapHtml({ cspSource: w.cspSource, script: asset('map.js'), style: asset('map.css') }, newNonce());
    w.onDidReceiveMessage((m: PathMapFromWebview) => void this.onMessage(m), undefined, context.subscriptions);
    this.panel.onDidDispose(() => {
      this.disposed = true;
      PathMapPanel.current = undefined;
    });
  }

  private render(result: ReceivePathResult): void {
    this.name = `receive-path-${result.from}`;
    this.panel.title = `Map: ${result.from}`;
    if (!result.paths.length && !result.inbound?.paths.length) {
      this.targets = [];
      this.svg = undefined;
      this.post({ type: 'empty', message: pathTreeMessage(result) });
      return;
    }
    const drawn = renderPathMap(buildPathMap(result));
    this.targets = drawn.targets;
    this.svg = drawn.svg;
    this.post({ type: 'render', title: `Receive path map: ${result.from}`, summary: pathTreeMessage(result), svg: drawn.svg });
  }

  /** Messages wait for the webview's `ready`: one posted before its script runs would be lost. */
  private post(m: PathMapToWebview): void {
    if (this.disposed) return;
    if (!this.ready) {
      this.pending = m;
      return;
    }
    // A panel closed between the check and the post rejects; nothing is left to draw then.
    this.panel.webview.postMessage(m).then(undefined, () => undefined);
  }

  private async onMessage(m: PathMapFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.pending) this.post(this.pending);
        this.pending = undefined;
        return;
      case 'open': {
        // Only targets this panel drew: the webview names an index, never a URI.
        const t = Number.isInteger(m.target) ? this.targets[m.target] : undefined;
        if (!t) return;
        const at = new vscode.Position(Math.max(0, t.line - 1), t.col);
        await vscode.window.showTextDocument(vscode.Uri.parse(t.uri), { selection: new vscode.Range(at, at), viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'export': {
        if (!this.svg) return;
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const to = await vscode.window.showSaveDialog({
          title: 'netpath: save the receive path map', filters: { SVG: ['svg'] },
          ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${this.name}.svg`) } : {}),
        });
        if (!to) return;
        await vscode.workspace.fs.writeFile(to, new TextEncoder().encode(svgText(this.svg)));
        void vscode.window.showInformationMessage(`netpath: saved the map to ${to.fsPath}`);
        return;
      }
    }
  }
}
