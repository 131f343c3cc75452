// `npm run package`: a production build, then a VSIX with @vscode/vsce. Everything runs from the
// esbuild bundles, so no node_modules go in (--no-dependencies); .vscodeignore keeps sources,
// tests and tooling out. Checks that what the extension needs at run time is inside, and
// prints the size. Prints the VSIX path as its last line (scripts and tests read it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const vsce = createRequire(import.meta.url).resolve('@vscode/vsce/vsce');
const run = (args, opts = {}) => {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    console.error(`package: ${args.join(' ')} failed (exit ${r.status})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    process.exit(1);
  }
  return r.stdout ?? '';
};

run([path.join(root, 'scripts/build.mjs'), '--production'], { stdio: 'inherit' });
// No repository or LICENSE yet (private project); README images stay relative to the repo.
const flags = ['--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'];
run([vsce, 'package', ...flags, '--out', vsix], { stdio: ['ignore', 'inherit', 'inherit'] });
const files = run([vsce, 'ls', '--no-dependencies']).split('\n').filter(Boolean);
const required = ['package.json', 'dist/client.js', 'dist/server.js', 'dist/index-worker.js', 'dist/graph-worker.js', 'dist/tree-sitter-c.wasm', 'dist/web-tree-sitter.wasm'];
const missing = required.filter((f) => !files.includes(f));
if (!files.some((f) => f.startsWith('dist/queries/') && f.endsWith('.scm'))) missing.push('dist/queries/*.scm');
const unwanted = files.filter((f) => /^(node_modules|test|server\/src|client\/src|shared|bench|scripts)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'));
if (missing.length || unwanted.length) {
  console.error(`package: the VSIX content is wrong.${missing.length ? `\n  missing: ${missing.join(', ')}` : ''}${unwanted.length ? `\n  should not be there: ${unwanted.join(', ')}` : ''}`);
  process.exit(1);
}
const size = fs.statSync(vsix).size;
console.log(`package: ${files.length} files, ${(size / 1024 / 1024).toFixed(2)} MB (${size.toLocaleString('en-US')} bytes)`);
console.log(vsix);
