// The language server end to end: dist/server.js over stdio on the real 6.1 and 6.12 trees, in
// the default scope, on a private copy of the shared test index (one test re-indexes the tree,
// which rewrites the cache while other files read the shared one).
// net/core and include are there for the receive path: ixgbe_poll reaches ip_rcv through net/core,
// and the struct types that narrow indirect calls are declared in include.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { IndexStatusRequest, ReceivePathEntryPointsRequest, ReceivePathRequest, ReindexRequest, type IndexSummary } from '../../shared/protocol';
import { SOCKET_DELIVERY } from '../../shared/receive-path-ends';
import { copyOfSharedIndex, KERNEL_VERSIONS, kernelTree, tempCache, TEST_SCOPE } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
/** LSP RequestCancelled */
const REQUEST_CANCELLED = -32800;

interface CallItem { name: string; detail?: string; uri: string; range: Loc['range']; selectionRange: Loc['range']; data?: unknown }
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

    const close = async (rel: string) => {
      opened.delete(rel);
      await lsp.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(rel) } });
    };

    before(async () => {
      root = kernelTree(version);
      cache = copyOfSharedIndex(root, `lsp-${version}`);
      lsp = await LspServer.start(root, { scope: SCOPE, cacheDirectory: cache });
      summary = await lsp.ready();
    });

    after(async () => {
      const code = await lsp.stop();
      fs.rmSync(cache, { recursive: true, force: true });
      assert.equal(code, 0, `server exit code; stderr: ${lsp.stderr.join('')}`);
    });

    // Progress of a cold index is checked in lsp-checkout.test.ts, which indexes a tree of its own.
    test('opens with workDoneProgress and announces readiness', async () => {
      assert.ok(summary.version?.startsWith(`${version}.`), `version ${summary.version}`);
      assert.deepEqual(summary.scope, [...SCOPE].sort());
      assert.ok(summary.files > 11_000, `files ${summary.files}`);
      assert.ok(summary.functions > 140_000, `functions ${summary.functions}`);
      assert.ok(lsp.pushed.some((p) => p.method === 'window/workDoneProgress/create'));
      const kinds = lsp.pushed.filter((p) => p.method === '$/progress').map((p) => (p.params as { value: { kind: string; percentage?: number } }).value);
      assert.equal(kinds[0]?.kind, 'begin');
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

    test('call hierarchy: incoming calls of udp_rcv include ip_protocol_deliver_rcu through a dispatch macro', async () => {
      const def = findLine(path.join(root, 'net/ipv4/udp.c'), /^int udp_rcv\(struct sk_buff \*skb\)/, 'udp_rcv');
      const from = lsp.pushed.length;
      // The first graph request builds the graph and reports it on the client's token. It must
      // stay the first test that needs the graph: hover (drop-site lines) builds it too.
      const items = await lsp.connection.sendRequest<CallItem[]>('textDocument/prepareCallHierarchy', { textDocument: { uri: uriOf('net/ipv4/udp.c') }, position: { line: def.line, character: def.character + 2 }, workDoneToken: 'netpath-test-graph' });
      assert.equal(items.length, 1, JSON.stringify(items));
      assert.equal(items[0].name, 'udp_rcv');
      assert.equal(items[0].uri, uriOf('net/ipv4/udp.c'));
      assert.deepEqual(items[0].selectionRange.start, def);
      const progress = lsp.pushed.slice(from).filter((p) => p.method === '$/progress' && (p.params as { token: unknown }).token === 'netpath-test-graph').map((p) => (p.params as { value: { kind: string; title?: string } }).value);
      assert.equal(progress[0]?.kind, 'begin');
      assert.match(progress[0].title ?? '', /call graph/);
      assert.equal(progress.at(-1)?.kind, 'end');
      const incoming = await lsp.connection.sendRequest<Array<{ from: CallItem; fromRanges: Loc['range'][] }>>('callHierarchy/incomingCalls', { item: items[0] });
      const deliver = incoming.find((c) => c.from.name === 'ip_protocol_deliver_rcu');
      assert.ok(deliver, incoming.map((c) => `${c.from.name} (${c.from.detail})`).join(', '));
      assert.match(deliver.from.detail ?? '', /\bmacro\b/);
      assert.equal(deliver.from.uri, uriOf('net/ipv4/ip_input.c'));
      const lines = fs.readFileSync(path.join(root, 'net/ipv4/ip_input.c'), 'utf8').split('\n');
      assert.ok(deliver.fromRanges.length > 0);
      for (const r of deliver.fromRanges) assert.match(lines[r.start.line], /INDIRECT_CALL_2\(/, `call site line ${r.start.line + 1}`);
    });

    test('hover over tap_handle_frame shows its signature', async () => {
      const at = findLine(path.join(root, 'drivers/net/macvtap.c'), /netdev_rx_handler_register\(dev, tap_handle_frame/, 'tap_handle_frame');
      const hover = await lsp.connection.sendRequest<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri: uriOf('drivers/net/macvtap.c') }, position: at });
      assert.equal(hover.contents.kind, 'markdown');
      assert.match(hover.contents.value, /```c\nrx_handler_result_t tap_handle_frame\(struct sk_buff \*\*pskb\)\n```/);
      assert.match(hover.contents.value, /drivers\/net\/tap\.c:\d+/);
    });

    test('call hierarchy: outgoing calls of tap_handle_frame include macvtap_count_rx_dropped through a field', async () => {
      const def = findLine(path.join(root, 'drivers/net/tap.c'), /^rx_handler_result_t tap_handle_frame\(/, 'tap_handle_frame');
      const items = await lsp.connection.sendRequest<CallItem[]>('textDocument/prepareCallHierarchy', { textDocument: { uri: uriOf('drivers/net/tap.c') }, position: def });
      assert.equal(items.length, 1, JSON.stringify(items));
      const outgoing = await lsp.connection.sendRequest<Array<{ to: CallItem; fromRanges: Loc['range'][] }>>('callHierarchy/outgoingCalls', { item: items[0] });
      const dropped = outgoing.find((c) => c.to.name === 'macvtap_count_rx_dropped');
      assert.ok(dropped, outgoing.map((c) => `${c.to.name} (${c.to.detail})`).join(', '));
      assert.match(dropped.to.detail ?? '', /^field\b/);
      assert.equal(dropped.to.uri, uriOf('drivers/net/macvtap.c'));
      const lines = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n');
      for (const r of dropped.fromRanges) assert.match(lines[r.start.line], /count_rx_dropped/, `call site line ${r.start.line + 1}`);
      assert.ok(outgoing.some((c) => c.to.detail?.startsWith('direct')), 'direct calls are listed too');
    });

    test('netpath/receivePathEntryPoints lists NAPI poll functions, ixgbe_poll among them', async () => {
      const entries = await lsp.connection.sendRequest(ReceivePathEntryPointsRequest, {});
      const ixgbe = entries.find((e) => e.name === 'ixgbe_poll');
      assert.ok(ixgbe, `${entries.length} entry points`);
      assert.equal(ixgbe.file, 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c');
      assert.equal(ixgbe.uri, uriOf(ixgbe.file));
      assert.match(fs.readFileSync(path.join(root, ixgbe.file), 'utf8').split('\n')[ixgbe.line - 1], /ixgbe_poll\(/);
      assert.ok(entries.length > 20, `${entries.length} entry points`);
      assert.ok(!entries.some((e) => e.name === 'udp_rcv'), 'only NAPI poll handlers');
    });

    test('netpath/receivePath from ixgbe_poll reaches __udp_queue_rcv_skb through udp_rcv', async () => {
      const result = await lsp.connection.sendRequest(ReceivePathRequest, { from: 'ixgbe_poll', to: ['__udp_queue_rcv_skb'], max: 2 });
      assert.deepEqual(result.to, ['__udp_queue_rcv_skb']);
      assert.ok(result.paths.length >= 1 && result.paths.length <= 2, `${result.paths.length} paths`);
      const hops = result.paths[0];
      assert.equal(hops[0].caller, 'ixgbe_poll');
      assert.equal(hops.at(-1)?.callee, '__udp_queue_rcv_skb');
      assert.ok(hops.some((h) => h.callee === 'udp_rcv'), hops.map((h) => h.callee).join(' → '));
      // The view shows the chain a packet takes first, with its cost.
      assert.equal(hops[0].callee, 'ixgbe_clean_rx_irq', hops.map((h) => h.callee).join(' → '));
      assert.equal(result.costs.length, result.paths.length);
      assert.ok(Math.abs(result.costs[0] - hops.reduce((a, h) => a + (h.cost ?? NaN), 0)) < 0.05, `cost ${result.costs[0]}`);
      const filtered = await lsp.connection.sendRequest(ReceivePathRequest, { from: 'ixgbe_poll', to: ['__udp_queue_rcv_skb'], max: 2, avoid: ['ip_list_rcv'], via: ['ip_rcv'] });
      assert.deepEqual([filtered.via, filtered.avoid], [['ip_rcv'], ['ip_list_rcv']]);
      assert.ok(filtered.paths.length >= 1 && filtered.paths.every((p) => p.some((h) => h.callee === 'ip_rcv') && !p.some((h) => h.callee === 'ip_list_rcv')));
      for (let i = 1; i < hops.length; i++) assert.equal(hops[i].caller, hops[i - 1].callee, 'a chain');
      for (const h of hops) {
        assert.equal(h.uri, uriOf(h.file));
        assert.ok(h.uri.startsWith(result.rootUri), `${h.uri} under ${result.rootUri}`);
        const text = fs.readFileSync(path.join(root, h.file), 'utf8').split('\n')[h.line - 1];
        if (h.kind === 'direct') assert.equal(text.slice(h.col, h.col + h.callee.length), h.callee, `${h.file}:${h.line}`);
      }
      // The defaults follow the start: from a NAPI poll function, IPv4/IPv6 socket delivery.
      const defaults = await lsp.connection.sendRequest(ReceivePathRequest, { from: 'ixgbe_poll' });
      const delivery = SOCKET_DELIVERY.map((e) => e.name);
      assert.equal(defaults.start, 'napi-poll');
      assert.deepEqual(defaults.to, delivery);
      assert.ok(defaults.paths.length > 0);
      assert.ok(defaults.paths.every((p) => delivery.includes(p.at(-1)!.callee)));
      // Each function on a chain, with its definition and its drop sites.
      assert.deepEqual(defaults.functions[0].map((f) => f.name), ['ixgbe_poll', ...defaults.paths[0].map((h) => h.callee)]);
      for (const f of defaults.functions[0]) {
        assert.equal(f.uri, uriOf(f.file));
        assert.match(fs.readFileSync(path.join(root, f.file), 'utf8').split('\n').slice(f.line - 1, f.line + 1).join(' '), new RegExp(`\\b${f.name}\\(`));
      }
      assert.ok(defaults.functions[0].some((f) => f.drops > 0), 'some function on the chain drops');
      const unknown = await lsp.connection.sendRequest(ReceivePathRequest, { from: 'no_such_function_netpath' });
      assert.deepEqual(unknown.paths, []);
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
      // Back to the disk's text: the tests below start from the state the saved graph describes.
      await close(rel);
      assert.deepEqual(await lsp.connection.sendRequest('workspace/symbol', { query: 'netpath_probe_me' }), []);
    });

    test('stale after an edit: a call added in a buffer is among the outgoing calls of the next request', async () => {
      // From the disk's state (the edit test closed its buffer): its graph is the saved one, loaded.
      // One edit then defines netpath_probe_me at the end of tap.c and calls it in tap_handle_frame.
      const rel = 'drivers/net/tap.c';
      const text = fs.readFileSync(path.join(root, rel), 'utf8');
      const def = findLine(path.join(root, rel), /^rx_handler_result_t tap_handle_frame\(/, 'tap_handle_frame');
      const body = text.split('\n').findIndex((l, i) => i > def.line && l.startsWith('{')) + 1;
      const end = text.split('\n').length - 1;
      const outgoing = async () => {
        const items = await lsp.connection.sendRequest<CallItem[]>('textDocument/prepareCallHierarchy', { textDocument: { uri: uriOf(rel) }, position: def });
        assert.equal(items.length, 1, JSON.stringify(items));
        return (await lsp.connection.sendRequest<Array<{ to: CallItem; fromRanges: Loc['range'][] }>>('callHierarchy/outgoingCalls', { item: items[0] }));
      };
      await open(rel);
      assert.ok(!(await outgoing()).some((c) => c.to.name === 'netpath_probe_me'));
      const at = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 0 } });
      await lsp.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: uriOf(rel), version: 2 },
        contentChanges: [{ range: at(end), text: '\nstatic int netpath_probe_me(void){}\n' }, { range: at(body), text: '\tnetpath_probe_me();\n' }],
      });
      const call = (await outgoing()).find((c) => c.to.name === 'netpath_probe_me');
      assert.ok(call, 'the new callee is there at once: the edit made a new index version and a new analysis');
      assert.deepEqual(call.fromRanges.map((r) => r.start.line), [body]);
      assert.match(call.to.detail ?? '', /^direct\b/);
      await close(rel);
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
      /** What settled first: the cancelled request must not wait for the re-index. */
      const order: string[] = [];
      const reindex = lsp.connection.sendRequest(ReindexRequest).finally(() => order.push('re-index'));
      await reindexing;
      // kfree_skb has thousands of references: uncancelled, the answer would be long, not empty.
      const at = findLine(path.join(root, 'drivers/net/tap.c'), /\bkfree_skb\(/, 'kfree_skb');
      const source = new CancellationTokenSource();
      const pending = lsp.connection.sendRequest<Loc[]>('textDocument/references', { textDocument: { uri: uriOf('drivers/net/tap.c') }, position: at, context: { includeDeclaration: true } }, source.token);
      source.cancel();
      const outcome = await pending.then((r) => r, (e: unknown) => e).finally(() => order.push('cancelled request'));
      assert.deepEqual(order, ['cancelled request'], 'the cancelled request settled while the re-index was still running');
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
      await close(rel);
    });

    test('after a full re-open the call graph is obtained again, for the new index', async () => {
      // Runs after the re-index above: the graph of the previous index must not be served. Every
      // buffer is closed, so the new index is the disk's and its saved graph is loaded, with progress.
      const def = findLine(path.join(root, 'net/ipv4/udp.c'), /^int udp_rcv\(struct sk_buff \*skb\)/, 'udp_rcv');
      const from = lsp.pushed.length;
      const items = await lsp.connection.sendRequest<CallItem[]>('textDocument/prepareCallHierarchy', { textDocument: { uri: uriOf('net/ipv4/udp.c') }, position: def, workDoneToken: 'netpath-test-rebuild' });
      const progress = lsp.pushed.slice(from).filter((p) => p.method === '$/progress' && (p.params as { token: unknown }).token === 'netpath-test-rebuild').map((p) => (p.params as { value: { kind: string } }).value.kind);
      assert.deepEqual([progress[0], progress.at(-1)], ['begin', 'end']);
      // What the progress said: the saved graph of the disk's state, read again for the new index.
      const said = lsp.pushed.slice(from).filter((p) => p.method === '$/progress' && (p.params as { token: unknown }).token === 'netpath-test-rebuild').map((p) => JSON.stringify((p.params as { value: unknown }).value));
      assert.ok(said.some((m) => /loading the call graph/.test(m)) && !said.some((m) => /building/.test(m)), said.join('\n'));
      const incoming = await lsp.connection.sendRequest<Array<{ from: CallItem }>>('callHierarchy/incomingCalls', { item: items[0] });
      assert.ok(incoming.some((c) => c.from.name === 'ip_protocol_deliver_rcu'));
      // A second request finds the graph built: no progress for it.
      const again = lsp.pushed.length;
      await lsp.connection.sendRequest('textDocument/prepareCallHierarchy', { textDocument: { uri: uriOf('net/ipv4/udp.c') }, position: def, workDoneToken: 'netpath-test-built' });
      assert.ok(!lsp.pushed.slice(again).some((p) => p.method === '$/progress' && (p.params as { token: unknown }).token === 'netpath-test-built'));
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
