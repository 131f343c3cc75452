// Bundles client, server, CLI, index worker and benchmark with esbuild, and copies the
// grammar, runtime wasm and .scm queries next to them. Type checking is `npm run typecheck`.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dist = path.join(root, 'dist');
const production = process.argv.includes('--production');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'queries'), { recursive: true });

const common = {
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production,
  minify: production, logLevel: 'warning', absWorkingDir: root,
  // web-tree-sitter's ESM build reads import.meta.url; give CJS bundles a real one.
  define: { 'import.meta.url': '__netpathImportMetaUrl' },
  banner: { js: "const __netpathImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};
await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/engine/index-worker.ts'], outfile: 'dist/index-worker.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/engine/analysis/graph-worker.ts'], outfile: 'dist/graph-worker.js' }),
  // The bin answers a warm def/refs from the lookup file alone; the whole CLI is loaded only when needed.
  esbuild.build({ ...common, entryPoints: ['server/src/cli/entry.ts'], outfile: 'dist/netpath.js', banner: { js: '#!/usr/bin/env node\n' + common.banner.js } }),
  esbuild.build({ ...common, entryPoints: ['server/src/cli/netpath.ts'], outfile: 'dist/netpath-full.js' }),
  esbuild.build({ ...common, entryPoints: ['bench/bench.ts'], outfile: 'dist/bench.js' }),
  // The counters webview script, with uPlot bundled in (webviews load nothing from the network).
  esbuild.build({ bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning', absWorkingDir: root, entryPoints: ['media/counters/panel.ts'], outfile: 'dist/media/counters/panel.js' }),
  // The receive-path map webview: only draws the SVG tree the extension laid out (dagre runs in the extension).
  esbuild.build({ bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning', absWorkingDir: root, entryPoints: ['media/path-map/map.ts'], outfile: 'dist/media/path-map/map.js' }),
]);
fs.chmodSync(path.join(dist, 'netpath.js'), 0o755);
const copy = (from, to) => fs.copyFileSync(path.join(root, from), path.join(dist, to));
copy('node_modules/tree-sitter-c/tree-sitter-c.wasm', 'tree-sitter-c.wasm');
copy('node_modules/web-tree-sitter/web-tree-sitter.wasm', 'web-tree-sitter.wasm');
copy('node_modules/uplot/dist/uPlot.min.css', 'media/counters/uPlot.min.css');
copy('media/counters/panel.css', 'media/counters/panel.css');
copy('media/path-map/map.css', 'media/path-map/map.css');
for (const q of fs.readdirSync(path.join(root, 'server/src/engine/queries'))) {
  copy(`server/src/engine/queries/${q}`, `queries/${q}`);
}
console.log(`built ${fs.readdirSync(dist).length} files into dist/`);
