// Where the grammar, the tree-sitter runtime and the .scm queries are: beside the bundle
// (scripts/build.mjs copies them) or, from source (tests), in node_modules and the source tree.
// Kept apart from parser.ts so that what only needs their paths (the extractor's fingerprint,
// a warm CLI lookup) does not load web-tree-sitter.
import * as fs from 'node:fs';
import * as path from 'node:path';

function firstExisting(candidates: string[], what: string): string {
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`netpath: cannot find ${what}; looked in:\n  ${candidates.join('\n  ')}`);
}

function nodeModulesFile(pkg: string, file: string): string[] {
  const out: string[] = [];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    out.push(path.join(dir, 'node_modules', pkg, file));
    if (path.dirname(dir) === dir) break;
  }
  return out;
}

export function grammarPath(): string {
  return firstExisting([path.join(__dirname, 'tree-sitter-c.wasm'), ...nodeModulesFile('tree-sitter-c', 'tree-sitter-c.wasm')],
    'tree-sitter-c.wasm (install the tree-sitter-c package)');
}

export function runtimeWasmPath(): string {
  return firstExisting([path.join(__dirname, 'web-tree-sitter.wasm'), ...nodeModulesFile('web-tree-sitter', 'web-tree-sitter.wasm')],
    'web-tree-sitter.wasm (install the web-tree-sitter package)');
}

export function queryText(name: string): string {
  const file = firstExisting([path.join(__dirname, 'queries', name), path.join(__dirname, '..', 'server', 'src', 'engine', 'queries', name)],
    `query file ${name}`);
  return fs.readFileSync(file, 'utf8');
}
