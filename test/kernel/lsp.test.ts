// The language server end to end: dist/server.js over stdio on the real 6.1 and 6.12 trees.
// The scope is narrowed to the folders the assertions need, with a scratch cache, so each tree is
// indexed cold once per run (about a minute on two cores) and the user's cache is left alone.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { IndexStatusRequest, ReindexRequest, type IndexSummary } from '../../shared/protocol';
import { KERNEL_VERSIONS, kernelTree, tempCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

const SCOPE = ['drivers/net', 'net/ipv4'];
/** LSP RequestCancelled */
const REQUEST_CANCELLED = -32800;

interface Loc { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }

/** 0-based line and column of the first line of `file` matching `pattern`, at `word`. */
function findLine(file: string, pattern: RegExp, word: string): { line: number; character: number } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => pattern.test(l));
  assert.ok(line >= 0, `${pattern} not found in ${file}`);
  return { line, character: lines[line].indexOf(word) };
}

for (const version of KERNEL_VERSIONS) {
  describe(`language server on Linux ${version}`, () => {
    let root: string;
    let cache: string;
    let lsp: LspServer;
    let summary: IndexSummary;
    const uriOf = (rel: string) => pathToFileURL(path.join(root, rel)).toString();
    const opened = new Set<string>();
    const open = async (rel: string) => {
      if (opened.has(rel)) return;
      opened.add(rel);
      await lsp.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uriOf(rel), languageId: 'c', version: 1, text: fs.readFileSync(path.join(root, rel), 'utf8') },
      });
    };

    before(async () => {
      root = kernelTree(version);
      cache = tempCache(`lsp-${version}`);
      lsp = await LspServer.start(root, { scope: SCOPE, cacheDirectory: cache });
      summary = await lsp.ready();
    });

    after(async () => {
      const code = await lsp.stop();
      fs.rmSync(cache, { recursive: true, force: true });
      assert.equal(code, 0, `server exit code; stderr: ${lsp.stderr.join('')}`);
    });

    test('indexes with workDoneProgress and announces readiness', async () => {
      assert.ok(summary.version?.startsWith(`${version}.`), `version ${summary.version}`);
      assert.deepEqual(summary.scope, SCOPE);
      assert.ok(summary.files > 4000, `files ${summary.files}`);
      assert.ok(summary.functions > 50_000, `functions ${summary.functions}`);
      assert.ok(lsp.pushed.some((p) => p.method === 'window/workDoneProgress/create'));
      const kinds = lsp.pushed.filter((p) => p.method === '$/progress').map((p) => (p.params as { value: { kind: string; percentage?: number } }).value);
      assert.equal(kinds[0]?.kind, 'begin');
      assert.ok(kinds.some((k) => k.kind === 'report' && typeof k.percentage === 'number' && k.percentage > 0));
      assert.equal(kinds.at(-1)?.kind, 'end');
      assert.ok(fs.readdirSync(path.join(cache, 'index')).length > 0, 'the cache went to the configured folder');
      const status = await lsp.connection.sendRequest(IndexStatusRequest);
      assert.equal(status.state, 'ready');
      assert.equal(status.summary?.files, summary.files);
    });

    test('definition of tap_handle_frame from macvtap.c lands on its body in tap.c', async () => {
      await open('drivers/net/macvtap.c');
      const at = findLine(path.join(root, 'drivers/net/macvtap.c'), /netdev_rx_handler_register\(dev, tap_handle_frame/, 'tap_handle_frame');
      const defs = await lsp.connection.sendRequest<Loc[]>('textDocument/definition', { textDocument: { uri: uriOf('drivers/net/macvtap.c') }, position: { line: at.line, character: at.character + 3 } });
      const expected = findLine(path.join(root, 'drivers/net/tap.c'), /^rx_handler_result_t tap_handle_frame\(/, 'tap_handle_frame');
      assert.equal(defs.length, 1, JSON.stringify(defs));
      assert.equal(defs[0].uri, uriOf('drivers/net/tap.c'));
      assert.deepEqual(defs[0].range.start, expected);
      assert.equal(defs[0].range.end.character, expected.character + 'tap_handle_frame'.length);
    });

    test('references of udp_rcv include the .handler initializer in af_inet.c', async () => {
      const def = findLine(path.join(root, 'net/ipv4/udp.c'), /^int udp_rcv\(struct sk_buff \*skb\)/, 'udp_rcv');
      const refs = await lsp.connection.sendRequest<Loc[]>('textDocument/references', { textDocument: { uri: uriOf('net/ipv4/udp.c') }, position: def, context: { includeDeclaration: false } });
      const init = findLine(path.join(root, 'net/ipv4/af_inet.c'), /\.handler\s*=\s*udp_rcv,/, 'udp_rcv');
      const inAfInet = refs.filter((r) => r.uri === uriOf('net/ipv4/af_inet.c'));
      assert.ok(inAfInet.some((r) => r.range.start.line === init.line && r.range.start.character === init.character), JSON.stringify(inAfInet));
    });

    test('document symbols of tap.c contain tap_handle_frame with its whole body', async () => {
      await open('drivers/net/tap.c');
      const symbols = await lsp.connection.sendRequest<Array<{ name: string; kind: number; range: Loc['range']; selectionRange: Loc['range'] }>>('textDocument/documentSymbol', { textDocument: { uri: uriOf('drivers/net/tap.c') } });
      const name = findLine(path.join(root, 'drivers/net/tap.c'), /^rx_handler_result_t tap_handle_frame\(/, 'tap_handle_frame');
      const lines = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n');
      const closing = lines.findIndex((l, i) => i > name.line && l === '}');
      const sym = symbols.find((s) => s.name === 'tap_handle_frame');
      assert.ok(sym, 'tap_handle_frame in the outline');
      assert.equal(sym.kind, 12 /* Function */);
      assert.deepEqual(sym.selectionRange, { start: name, end: { line: name.line, character: name.character + 'tap_handle_frame'.length } });
      assert.deepEqual(sym.range, { start: { line: name.line, character: 0 }, end: { line: closing, character: 1 } });
    });

    test('workspace symbol fuzzy queries rank tap_handle_frame first', async () => {
      for (const query of ['tphndlfrm', 'tap_hand']) {
        const found = await lsp.connection.sendRequest<Array<{ name: string; location: Loc }>>('workspace/symbol', { query });
        assert.equal(found[0]?.name, 'tap_handle_frame', `${query}: ${found.slice(0, 5).map((s) => s.name).join(', ')}`);
        assert.equal(found[0].location.uri, uriOf('drivers/net/tap.c'));
      }
    });

    test('hover over tap_handle_frame shows its signature', async () => {
      const at = findLine(path.join(root, 'drivers/net/macvtap.c'), /netdev_rx_handler_register\(dev, tap_handle_frame/, 'tap_handle_frame');
      const hover = await lsp.connection.sendRequest<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri: uriOf('drivers/net/macvtap.c') }, position: at });
      assert.equal(hover.contents.kind, 'markdown');
      assert.match(hover.contents.value, /```c\nrx_handler_result_t tap_handle_frame\(struct sk_buff \*\*pskb\)\n```/);
      assert.match(hover.contents.value, /drivers\/net\/tap\.c:\d+/);
    });

    test('an edit in an open buffer is indexed incrementally, without touching the disk', async () => {
      const rel = 'drivers/net/tap.c';
      await open(rel);
      const before = await lsp.connection.sendRequest(IndexStatusRequest);
      const mtime = fs.statSync(path.join(root, rel)).mtimeMs;
      assert.deepEqual(await lsp.connection.sendRequest('workspace/symbol', { query: 'netpath_probe_me' }), []);
      const end = fs.readFileSync(path.join(root, rel), 'utf8').split('\n').length - 1;
      await lsp.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: uriOf(rel), version: 2 },
        contentChanges: [{ range: { start: { line: end, character: 0 }, end: { line: end, character: 0 } }, text: '\nstatic int netpath_probe_me(void){}\n' }],
      });
      const found = await lsp.connection.sendRequest<Array<{ name: string; location: Loc }>>('workspace/symbol', { query: 'netpath_probe_me' });
      assert.equal(found[0]?.name, 'netpath_probe_me');
      assert.equal(found[0].location.uri, uriOf(rel));
      assert.equal(found[0].location.range.start.line, end + 1);
      const after = await lsp.connection.sendRequest(IndexStatusRequest);
      assert.equal(after.fileUpdates, before.fileUpdates + 1, 'one single-file update');
      assert.equal(after.summary?.seconds, before.summary?.seconds, 'no full re-open');
      assert.equal(lsp.pushed.filter((p) => p.method === 'netpath/indexReady').length, 1);
      assert.equal(fs.statSync(path.join(root, rel)).mtimeMs, mtime, 'the tree on disk is untouched');
    });

    test('a request cancelled while it waits is answered with a cancellation, and the server keeps answering', async () => {
      // Make the request wait for certain: an unsaved edit must be applied before reading, and it
      // queues behind a full re-index. Cancelling must then answer at once, not after the re-index.
      const rel = 'drivers/net/macvtap.c';
      await open(rel);
      await lsp.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: uriOf(rel), version: 2 },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'static void netpath_edit_survives(void) {}\n' }],
      });
      const readyCount = lsp.pushed.filter((p) => p.method === 'netpath/indexReady').length;
      const reindexing = lsp.waitFor((p) => p.method === 'netpath/indexStatusChanged' && (p.params as { state: string }).state === 'indexing', lsp.pushed.length);
      const reindex = lsp.connection.sendRequest(ReindexRequest);
      await reindexing;
      // kfree_skb has thousands of references: uncancelled, the answer would be long, not empty.
      const at = findLine(path.join(root, 'drivers/net/tap.c'), /\bkfree_skb\(/, 'kfree_skb');
      const source = new CancellationTokenSource();
      const pending = lsp.connection.sendRequest<Loc[]>('textDocument/references', { textDocument: { uri: uriOf('drivers/net/tap.c') }, position: at, context: { includeDeclaration: true } }, source.token);
      source.cancel();
      const outcome = await pending.then((r) => r, (e: unknown) => e);
      if (outcome instanceof ResponseError) assert.equal(outcome.code, REQUEST_CANCELLED);
      else assert.deepEqual(outcome, [], 'a cancelled request answers nothing');
      const summary = await reindex;
      assert.equal(summary?.files, (await lsp.connection.sendRequest(IndexStatusRequest)).summary?.files);
      assert.equal(lsp.pushed.filter((p) => p.method === 'netpath/indexReady').length, readyCount + 1);
      const found = await lsp.connection.sendRequest<Array<{ name: string }>>('workspace/symbol', { query: 'tap_handle_frame' });
      assert.equal(found[0]?.name, 'tap_handle_frame');
      // The re-index read the disk; the unsaved edit is applied on top of it again.
      const edited = await lsp.connection.sendRequest<Array<{ name: string; location: Loc }>>('workspace/symbol', { query: 'netpath_edit_survives' });
      assert.equal(edited[0]?.location.uri, uriOf(rel));
      const refs = await lsp.connection.sendRequest<Loc[]>('textDocument/references', { textDocument: { uri: uriOf('drivers/net/tap.c') }, position: at, context: { includeDeclaration: false } });
      assert.ok(refs.length > 100, `kfree_skb references after the re-index: ${refs.length}`);
      assert.ok(lsp.alive);
    });
  });
}

describe('language server on a folder that is not a kernel tree', () => {
  test('warns with showMessage, answers nothing and stays alive', async () => {
    const folder = tempCache('lsp-not-kernel');
    fs.writeFileSync(path.join(folder, 'main.c'), 'int main(void) { return 0; }\n');
    const lsp = await LspServer.start(folder, { cacheDirectory: folder });
    try {
      const shown = await lsp.waitFor((p) => p.method === 'window/showMessage');
      const params = shown.params as { type: number; message: string };
      assert.equal(params.type, 2 /* Warning */);
      assert.match(params.message, /not a Linux kernel tree/);
      const uri = pathToFileURL(path.join(folder, 'main.c')).toString();
      assert.deepEqual(await lsp.connection.sendRequest('workspace/symbol', { query: 'main' }), []);
      assert.equal(await lsp.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: 0, character: 5 } }), null);
      const status = await lsp.connection.sendRequest(IndexStatusRequest);
      assert.equal(status.state, 'unavailable');
      assert.ok(lsp.alive);
      assert.equal(await lsp.stop(), 0);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
