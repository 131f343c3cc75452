// Function-definition recall against universal-ctags on the net scope of the real Debian
// kernel trees: netpath must find at least 99.5% of the (file, name) pairs that
// `ctags --kinds-C=f` reports, and must never report a name that is not a C identifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelIndex } from '../../server/src/engine/indexer';
import { scanTree } from '../../server/src/engine/scan';
import { KERNEL_VERSIONS, kernelTree, sharedCache, tempCache, TEST_SCOPE, type KernelVersion } from '../helpers/kernels';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
const MIN_RECALL = 0.995;
const REPO = path.resolve(__dirname, '..', '..');

const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while', '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic',
  '_Imaginary', '_Noreturn', '_Static_assert', '_Thread_local',
  // GNU C spellings the kernel uses
  'asm', '__asm', '__asm__', 'typeof', '__typeof', '__typeof__', '__attribute', '__attribute__',
  '__extension__', '__inline', '__inline__', '__restrict', '__restrict__', '__volatile__', '__const',
  '__signed__', '__label__', '__auto_type', '__builtin_offsetof', '__alignof__',
]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** (file, name) -> lines, for every function definition universal-ctags reports. */
function ctagsFunctions(root: string, files: string[], listFile: string): Map<string, number[]> {
  const version = spawnSync('ctags', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0 || !/Universal Ctags/.test(version.stdout)) {
    assert.fail('universal-ctags is required for this test and was not found on PATH ' +
      '(install the Debian package "universal-ctags": sudo apt-get install universal-ctags)');
  }
  fs.writeFileSync(listFile, files.join('\n') + '\n');
  const r = spawnSync('ctags', ['--output-format=json', '--fields=+n', '--kinds-C=f', '--language-force=C', '-f', '-', '-L', listFile],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `ctags failed: ${r.stderr}`);
  const out = new Map<string, number[]>();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const tag = JSON.parse(line) as { _type: string; name: string; path: string; line: number; kind: string };
    if (tag._type !== 'tag' || tag.kind !== 'function') continue;
    const key = `${tag.path}\t${tag.name}`;
    const lines = out.get(key);
    if (lines) lines.push(tag.line);
    else out.set(key, [tag.line]);
  }
  return out;
}

/**
 * Index the scope cold, then open that index in this process. The cold run is the CLI from
 * source in a child: its worker threads load TypeScript through tsx's require hook
 * (`--require tsx/cjs`), which Node 20 does not extend to workers started under `--import tsx`.
 * The in-process open then serves every file from the cache the child wrote.
 */
async function indexScope(root: string, cacheRoot: string): Promise<KernelIndex> {
  const cli = spawnSync(process.execPath,
    ['--require', require.resolve('tsx/cjs'), path.join(REPO, 'server/src/cli/entry.ts'), 'index', root,
      '--scope', SCOPE.join(','), '--cache', cacheRoot, '--json', '--quiet'],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(cli.status, 0, `netpath index failed:\n${cli.stderr}`);
  const idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot });
  const s = idx.stats();
  assert.equal(s.indexed, 0, `expected the in-process open to be served from the cache, but ${s.indexed} files were re-indexed`);
  return idx;
}

async function checkTree(t: { diagnostic: (m: string) => void }, version: KernelVersion): Promise<void> {
  const root = kernelTree(version);
  // The shared test cache (the default scope, which later files read too): a cold index when this
  // file runs first, the cache otherwise; either way every file's facts are checked against ctags.
  // cli.test.ts keeps the honest cold run of its own.
  const cache = sharedCache();
  const scratch = tempCache(`ctags-recall-${version}`);
  try {
    const files = scanTree(root, SCOPE).files;
    const tags = ctagsFunctions(root, files, path.join(scratch, 'files.txt'));
    const idx = await indexScope(root, cache);

    const ours = new Map<string, number[]>();
    const bogus: string[] = [];
    for (const [file, facts] of idx.files) {
      for (const fn of facts.functions) {
        if (!IDENT.test(fn.name) || C_KEYWORDS.has(fn.name)) bogus.push(`${file}:${fn.line} "${fn.name}"`);
        const key = `${file}\t${fn.name}`;
        const lines = ours.get(key);
        if (lines) lines.push(fn.line);
        else ours.set(key, [fn.line]);
      }
    }

    const missing: string[] = [];
    const lineMismatch: string[] = [];
    for (const [key, lines] of tags) {
      const mine = ours.get(key);
      const [file, name] = key.split('\t');
      if (!mine) missing.push(`${file}:${lines[0]} ${name}`);
      else if (!lines.some((l) => mine.includes(l))) lineMismatch.push(`${file} ${name}: ctags ${lines.join(',')}, netpath ${mine.join(',')}`);
    }
    const extra = [...ours.keys()].filter((k) => !tags.has(k)).length;
    const recall = (tags.size - missing.length) / tags.size;
    t.diagnostic(`Linux ${version}: ${files.length} files; ctags ${tags.size} (file, function) pairs, netpath ${ours.size}; ` +
      `recall ${(recall * 100).toFixed(3)}% (${missing.length} missing); ${extra} found only by netpath; ` +
      `${lineMismatch.length} found on a different line`);
    for (const m of lineMismatch.slice(0, 10)) t.diagnostic(`line mismatch (info): ${m}`);

    assert.deepEqual(bogus.slice(0, 30), [], `${bogus.length} function names are C keywords or not identifiers`);
    assert.ok(recall >= MIN_RECALL,
      `Linux ${version}: function recall ${(recall * 100).toFixed(3)}% < ${MIN_RECALL * 100}% of universal-ctags ` +
      `(${missing.length} of ${tags.size} missing). First ${Math.min(30, missing.length)}:\n  ${missing.slice(0, 30).join('\n  ')}`);

    const inetInit = idx.files.get('net/ipv4/af_inet.c')?.functions.find((f) => f.name === 'inet_init');
    assert.ok(inetInit, `Linux ${version}: inet_init not found in net/ipv4/af_inet.c`);
    assert.ok(inetInit.annotations?.includes('__init'),
      `Linux ${version}: inet_init should carry the __init annotation, has ${JSON.stringify(inetInit.annotations ?? [])}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

for (const version of KERNEL_VERSIONS) {
  test(`function definitions: recall >= ${MIN_RECALL * 100}% of universal-ctags on the net scope, no bogus names (Linux ${version})`,
    async (t) => checkTree(t, version));
}
