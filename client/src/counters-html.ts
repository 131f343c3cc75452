// The counters webview's HTML, free of `vscode`: a strict Content-Security-Policy (no inline
// script or style, scripts only with this page's nonce, assets only from the extension's media).
import { randomBytes } from 'node:crypto';

export interface CountersAssets {
  /** webview.cspSource */
  cspSource: string;
  script: string;
  styles: string[];
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function countersCsp(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `style-src ${cspSource}`, `img-src ${cspSource} data:`, `font-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

/** A value for a double-quoted HTML attribute (shared by the webviews' pages). */
export const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function countersHtml(a: CountersAssets, nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(countersCsp(a.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${a.styles.map((s) => `<link rel="stylesheet" href="${attr(s)}">`).join('\n')}
<title>netpath counters</title>
</head>
<body>
<div id="bar"><div id="header">connecting…</div><button id="pick-host">Host…</button></div>
<section id="by-location" hidden><h3 id="by-location-title">Drops by location</h3><table class="locations" id="by-location-table"></table><details id="freed-box" hidden><summary id="freed-title" class="muted">freed, probably not a drop</summary><table class="locations" id="freed-table"></table></details></section>
<section id="dropping"><h3 id="dropping-title">Now dropping</h3><p class="muted" id="dropping-none">nothing is dropping now</p><table class="counters" id="dropping-table"></table></section>
<div id="cpus"></div>
<div id="sources"></div>
<script nonce="${nonce}" src="${attr(a.script)}"></script>
</body>
</html>
`;
}
