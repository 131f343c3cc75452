// The receive-path map webview's HTML, free of `vscode`: the counters panel's strict CSP (no
// inline script or style, the script only with this page's nonce, assets only from media).
import { attr, countersCsp } from './counters-html';

export interface PathMapAssets {
  /** webview.cspSource */
  cspSource: string;
  script: string;
  style: string;
}

export function pathMapHtml(a: PathMapAssets, nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(countersCsp(a.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attr(a.style)}">
<title>netpath receive path map</title>
</head>
<body>
<div id="bar"><span id="title">Receive path map</span><span id="summary">waiting for a receive path…</span>
<button id="zoom-in" title="Zoom in">+</button><button id="zoom-out" title="Zoom out">−</button><button id="fit" title="Show all">Fit</button><button id="export" title="Save the map as an SVG file">Export SVG…</button></div>
<div id="stage"></div>
<div id="legend">Click a function to open its definition, a call to open its call site. Dashed: an indirect call. Thick: the most likely chain. Drag to pan, wheel to zoom.</div>
<script nonce="${nonce}" src="${attr(a.script)}"></script>
</body>
</html>
`;
}
