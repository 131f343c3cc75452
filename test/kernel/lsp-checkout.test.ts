// A branch switch under an open editor, with real git and real kernel text: a small tree whose two
// commits hold Linux 6.1's and Linux 6.12's net/core, net/ipv4 and include/net (several hundred
// files added, changed and removed between them). The language server is open on it; `git
// checkout` switches commits and the test sends the file events VS Code's watcher sends for what
// git changed. Every answer after the switch is checked against the text of the checked-out
// commit, read from the tree.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IndexStatusRequest, type IndexSummary } from '../../shared/protocol';
import { FILE_EVENTS_REOPEN_LIMIT } from '../../server/src/features/document-sync';
import { kernelTree, tempCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

const SCOPE = ['net/core', 'net/ipv4', 'include/net'];
/** The tree's markers (kernelMarkers) besides the scope, copied so the folder is a kernel tree. */
const MARKERS = ['Makefile', 'Kbuild', 'include/linux/skbuff.h'];

interface Loc { uri: string; range: { start: { line: number; character: number } } }
interface Sym { name: string; location: Loc }

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=netpath test', '-c', 'user.email=test@netpath.invalid', ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`prerequisite missing or failed: git (${r.error.message}); apt-get install git`);
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Replaces `dir`'s scope folders with copies of those of `from` (copies, never links: git must not write into the shared trees). */
function fillFrom(dir: string, from: string): void {
  for (const s of SCOPE) {
    fs.rmSync(path.join(dir, s), { recursive: true, force: true });
    fs.mkdirSync(path.dirname(path.join(dir, s)), { recursive: true });
    const r = spawnSync('cp', ['-r', path.join(from, s), path.join(dir, s)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
}

/** 0-based line of the definition of `fn` (its name at the start of a line after the type). */
function definitionLine(file: string, fn: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l, k) => new RegExp(`^[a-z].*\\b${fn}\\(`).test(l) && !l.trim().endsWith(';') && lines[k + 1] !== undefined);
  assert.ok(i >= 0, `${fn} not defined in ${file}`);
  return i;
}

/** Names of functions defined in `rel` of one tree and not anywhere in the scope of the other. */
function definedOnlyIn(tree: string, other: string, rel: string): string[] {
  const names = (t: string) => new Set([...fs.readFileSync(path.join(t, rel), 'utf8').matchAll(/^(?:static\s+)?(?:int|void|bool)\s+([a-z_][a-z0-9_]*)\(/gm)].map((m) => m[1]));
  const mine = names(tree);
  const theirs = fs.existsSync(path.join(other, rel)) ? names(other) : new Set<string>();
  const grep = (name: string) => spawnSync('grep', ['-rqw', '--include=*.[ch]', name, ...SCOPE.map((s) => path.join(other, s))]).status === 0;
  return [...mine].filter((n) => !theirs.has(n) && !grep(n)).sort();
}

describe('a git checkout between two commits of real kernel text, under an open language server', () => {
  let dir = '';
  let cache = '';
  let lsp: LspServer;
  const old = kernelTree('6.1');
  const young = kernelTree('6.12');
  let commitOld = '';
  let commitYoung = '';
  let summary: IndexSummary;
  const uriOf = (rel: string) => pathToFileURL(path.join(dir, rel)).toString();
  const symbols = (query: string) => lsp.connection.sendRequest<Sym[]>('workspace/symbol', { query });

  before(async () => {
    dir = tempCache('checkout-tree');
    cache = tempCache('checkout-cache');
    for (const m of MARKERS) {
      fs.mkdirSync(path.dirname(path.join(dir, m)), { recursive: true });
      fs.copyFileSync(path.join(old, m), path.join(dir, m));
    }
    git(dir, 'init', '-q', '-b', 'main');
    fillFrom(dir, old);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', '6.1');
    commitOld = git(dir, 'rev-parse', 'HEAD').trim();
    fillFrom(dir, young);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', '6.12');
    commitYoung = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'checkout', '-q', commitOld);
    lsp = await LspServer.start(dir, { scope: SCOPE, cacheDirectory: cache });
    summary = await lsp.ready();
  });
  after(async () => {
    const code = await lsp?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
    assert.equal(code, 0, `server exit code; stderr: ${lsp?.stderr.join('')}`);
  });

  /** `git checkout` to `commit`, then the watcher's events for what changed, in chunks as VS Code sends them. */
  async function checkout(from: string, to: string): Promise<number> {
    const changes = git(dir, 'diff', '--name-status', '--no-renames', from, to).trim().split('\n').map((l) => l.split('\t'));
    git(dir, 'checkout', '-q', to);
    const type = (s: string) => (s === 'A' ? 1 /* Created */ : s === 'D' ? 3 /* Deleted */ : 2 /* Changed */);
    const events = changes.map(([s, rel]) => ({ uri: uriOf(rel), type: type(s) }));
    for (let i = 0; i < events.length; i += 50) await lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: events.slice(i, i + 50) });
    return events.length;
  }

  /** Every answer below is read from the tree as it is checked out now. */
  async function agreesWith(tree: string, other: string): Promise<void> {
    const udpRcv = definitionLine(path.join(dir, 'net/ipv4/udp.c'), 'udp_rcv');
    assert.equal(udpRcv, definitionLine(path.join(tree, 'net/ipv4/udp.c'), 'udp_rcv'), 'the checkout holds the expected text');
    const found = (await symbols('udp_rcv')).find((s) => s.name === 'udp_rcv');
    assert.equal(found?.location.uri, uriOf('net/ipv4/udp.c'));
    assert.equal(found?.location.range.start.line, udpRcv, 'udp_rcv where the checked-out udp.c defines it');

    // Functions only this commit defines are found; those only the other defines are gone.
    const mine = definedOnlyIn(tree, other, 'net/ipv4/udp.c').concat(definedOnlyIn(tree, other, 'net/core/dev.c'));
    const theirs = definedOnlyIn(other, tree, 'net/ipv4/udp.c').concat(definedOnlyIn(other, tree, 'net/core/dev.c'));
    assert.ok(mine.length > 0 && theirs.length > 0, `functions unique to each side: ${mine.length}, ${theirs.length}`);
    for (const name of mine.slice(0, 5)) assert.ok((await symbols(name)).some((s) => s.name === name), `${name} is defined in this commit`);
    for (const name of theirs.slice(0, 5)) assert.ok(!(await symbols(name)).some((s) => s.name === name), `${name} is not defined in this commit`);

    // The call graph follows too: ip_local_deliver's callers are read from this commit.
    const def = definitionLine(path.join(dir, 'net/ipv4/ip_input.c'), 'ip_local_deliver');
    const items = await lsp.connection.sendRequest<Array<{ name: string; uri: string; range: Loc['range'] }>>('textDocument/prepareCallHierarchy', {
      textDocument: { uri: uriOf('net/ipv4/ip_input.c') }, position: { line: def, character: fs.readFileSync(path.join(dir, 'net/ipv4/ip_input.c'), 'utf8').split('\n')[def].indexOf('ip_local_deliver') },
    });
    assert.equal(items[0]?.name, 'ip_local_deliver', JSON.stringify(items));
    assert.equal(items[0].range.start.line, def);
  }

  test('a cold index with workDoneProgress, then answers from the 6.1 commit', async () => {
    assert.ok(lsp.pushed.some((p) => p.method === 'window/workDoneProgress/create'));
    const kinds = lsp.pushed.filter((p) => p.method === '$/progress').map((p) => (p.params as { value: { kind: string; percentage?: number } }).value);
    assert.equal(kinds[0]?.kind, 'begin');
    assert.ok(kinds.some((k) => k.kind === 'report' && typeof k.percentage === 'number' && k.percentage > 0), JSON.stringify(kinds));
    assert.equal(kinds.at(-1)?.kind, 'end');
    assert.equal(summary.indexed, summary.files, 'every file parsed: the cache was empty');
    assert.ok(fs.readdirSync(path.join(cache, 'index')).length > 0, 'the cache went to the configured folder');
    await agreesWith(old, young);
  });

  test('a checkout of several hundred files is one re-open, and every answer follows the new commit', async () => {
    const readies = () => lsp.pushed.filter((p) => p.method === 'netpath/indexReady').length;
    const before = readies();
    const n = await checkout(commitOld, commitYoung);
    assert.ok(n > FILE_EVENTS_REOPEN_LIMIT, `${n} files changed between the commits`);
    await agreesWith(young, old);
    assert.equal(readies(), before + 1, 'one full open for the whole checkout');
    const status = await lsp.connection.sendRequest(IndexStatusRequest);
    assert.equal(status.state, 'ready');
    const added = git(dir, 'diff', '--name-only', '--diff-filter=AM', commitOld, commitYoung, '--', '*.c', '*.h').trim().split('\n').length;
    assert.equal(status.summary?.indexed, added, 'the re-open parsed exactly the C files git added or changed');
  });

  test('and back: a second checkout returns every answer to the 6.1 commit', async () => {
    await checkout(commitYoung, commitOld);
    await agreesWith(old, young);
    const status = await lsp.connection.sendRequest(IndexStatusRequest);
    assert.equal(status.state, 'ready');
  });
});
