// Drop sites in the language server (dist/server.js over stdio) on the real 6.1 and 6.12 trees:
// the Drop sites view's request, hover on a goto-drop line, the "N drop sites" code lens and the
// counter map behind "netpath: Explain counter…". Expected lines are read from each tree's text.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-jsonrpc/node';
import { CounterMapRequest, DropSitesRequest, ExplainCounterRequest, SHOW_DROP_SITES_COMMAND } from '../../shared/protocol';
import { KERNEL_VERSIONS, TEST_SCOPE, kernelTree, sharedCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
const TAP = 'drivers/net/tap.c';

/** 1-based lines of `rel` matching `re` inside function `fn`. */
function linesIn(root: string, rel: string, fn: string, re: RegExp): number[] {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const from = lines.findIndex((l) => new RegExp(`^\\S.*\\b${fn}\\(`).test(l));
  assert.ok(from >= 0, `${fn} not defined in ${rel}`);
  const to = lines.findIndex((l, i) => i > from && l === '}');
  return lines.flatMap((l, i) => (i >= from && i <= to && re.test(l) ? [i + 1] : []));
}

for (const version of KERNEL_VERSIONS) {
  describe(`drop sites in the language server on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    let lsp: LspServer;
    const uriOf = (rel: string) => pathToFileURL(path.join(root, rel)).toString();
    before(async () => {
      root = kernelTree(version);
      cache = sharedCache();
      lsp = await LspServer.start(root, { scope: SCOPE, cacheDirectory: cache });
      await lsp.ready();
      await lsp.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uriOf(TAP), languageId: 'c', version: 1, text: fs.readFileSync(path.join(root, TAP), 'utf8') },
      });
    });
    after(async () => {
      const code = await lsp.stop();
      // The shared cache stays for the next test file.
      assert.equal(code, 0, `server exit code; stderr: ${lsp.stderr.join('')}`);
    });

    test('Go to Definition on drop reasons and MIB enumerators, and on a name used as a value or as a type', async () => {
      /** Where `re` first matches in `rel`, as an LSP position on the name `name`. */
      const at = (rel: string, re: RegExp, name: string) => {
        const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
        const i = lines.findIndex((l) => re.test(l));
        assert.ok(i >= 0, `${re} in ${rel}`);
        return { textDocument: { uri: uriOf(rel) }, position: { line: i, character: lines[i].search(re) + lines[i].slice(lines[i].search(re)).indexOf(name) + 1 } };
      };
      /** Every file:line under include/ (or `rel`) whose text matches `re`. */
      const defined = (rels: string[], re: RegExp) => rels.flatMap((rel) => fs.readFileSync(path.join(root, rel), 'utf8').split('\n').flatMap((l, i) => (re.test(l) ? [`${rel}:${i + 1}`] : [])));
      const where = (locs: Array<{ uri: string; range: { start: { line: number } } }> | null) =>
        (locs ?? []).map((l) => `${path.relative(root, new URL(l.uri).pathname)}:${l.range.start.line + 1}`);
      const udp = 'net/ipv4/udp.c';
      const reasonHeader = fs.existsSync(path.join(root, 'include/net/dropreason-core.h')) ? 'include/net/dropreason-core.h' : 'include/net/dropreason.h';
      const reason = await lsp.connection.sendRequest('textDocument/definition', at(udp, /SKB_DROP_REASON_SOCKET_RCVBUFF/, 'SKB_DROP_REASON_SOCKET_RCVBUFF'));
      assert.deepEqual(where(reason as never), defined([reasonHeader], /^\s*SKB_DROP_REASON_SOCKET_RCVBUFF,/));
      // UDP_MIB_* live in an anonymous enum of the uapi header.
      const mib = await lsp.connection.sendRequest('textDocument/definition', at(udp, /UDP_MIB_RCVBUFERRORS/, 'UDP_MIB_RCVBUFERRORS'));
      assert.deepEqual(where(mib as never), defined(['include/uapi/linux/snmp.h'], /^\s*UDP_MIB_RCVBUFERRORS,/));
      // `&udp_table` is the variable (and its extern declaration), not `struct udp_table`.
      const value = where(await lsp.connection.sendRequest('textDocument/definition', at(udp, /&udp_table\b/, 'udp_table')) as never);
      assert.ok(value.includes(defined([udp], /^struct udp_table udp_table\b/)[0]), value.join(' '));
      assert.ok(!value.some((l) => defined(['include/net/udp.h'], /^struct udp_table \{/).includes(l)), value.join(' '));
      const type = where(await lsp.connection.sendRequest('textDocument/definition', at(udp, /^struct udp_table udp_table\b/, 'udp_table')) as never);
      assert.deepEqual(type, defined(['include/net/udp.h'], /^struct udp_table \{/));
    });

    test('dropSites of a file, a function and a folder, with URIs and the receive-path flag', async () => {
      const file = await lsp.connection.sendRequest(DropSitesRequest, { uri: uriOf(TAP) });
      const gotos = linesIn(root, TAP, 'tap_handle_frame', /\bgoto drop;/);
      const tap = file.sites.filter((s) => s.function === 'tap_handle_frame' && s.kind === 'goto');
      assert.deepEqual(tap.map((s) => s.line), gotos);
      assert.ok(tap.every((s) => s.uri === uriOf(TAP) && s.label === 'drop' && s.through?.[0] === 'tap->count_rx_dropped'));
      assert.equal(file.rootUri.replace(/\/$/, ''), pathToFileURL(root).toString().replace(/\/$/, ''));

      const udp = await lsp.connection.sendRequest(DropSitesRequest, { function: '__udp_queue_rcv_skb' });
      const rcvbuf = udp.sites.find((s) => s.counters.includes('RcvbufErrors'));
      assert.ok(rcvbuf, JSON.stringify(udp.sites));
      assert.equal(rcvbuf.onReceivePath, true, 'ixgbe_poll reaches __udp_queue_rcv_skb');

      const core = await lsp.connection.sendRequest(DropSitesRequest, { folder: 'net/core' });
      assert.equal(core.filesLeftOut, 0);
      // The backlog-full path runs into enqueue_to_backlog's drop label: the increment is a site of its own.
      const inc = linesIn(root, 'net/core/dev.c', 'enqueue_to_backlog', /sd->dropped\+\+|atomic_inc\(&sd->dropped\)/);
      assert.equal(inc.length, 1);
      const backlog = core.sites.filter((s) => s.function === 'enqueue_to_backlog' && s.kind === 'counter' && s.counters.includes('dropped'));
      assert.deepEqual(backlog.map((s) => s.line), inc, 'softnet dropped in enqueue_to_backlog');
    });

    test('bad input: a folder with no files, a file outside the tree, no target at all', async () => {
      for (const params of [{ folder: 'no/such/folder' }, { uri: 'file:///etc/hostname' }, {}]) {
        await assert.rejects(lsp.connection.sendRequest(DropSitesRequest, params), (e: unknown) => e instanceof ResponseError && /netpath|folder|file|needs/.test(e.message));
      }
      assert.ok(lsp.alive);
    });

    test('hover on a goto-drop line shows its reason and counters', async () => {
      const line = linesIn(root, TAP, 'tap_handle_frame', /\bgoto drop;/)[0];
      const text = fs.readFileSync(path.join(root, TAP), 'utf8').split('\n')[line - 1];
      const hover = await lsp.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: uriOf(TAP) }, position: { line: line - 1, character: text.indexOf('drop') },
      }) as { contents: { value: string } } | null;
      assert.ok(hover, 'a hover');
      const md = hover.contents.value;
      assert.match(md, /goto drop/);
      assert.match(md, /SKB_DROP_REASON_SKB_GSO_SEG/);
      assert.match(md, /count_rx_dropped/);
      assert.match(md, /IS_ERR\(segs\)/);
    });

    test('code lens "N drop sites" above tap_handle_frame, running the client command with the lines', async () => {
      const lenses = await lsp.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf(TAP) } }) as Array<{
        range: { start: { line: number } }; command: { title: string; command: string; arguments: [string, number[], string] };
      }>;
      const file = await lsp.connection.sendRequest(DropSitesRequest, { uri: uriOf(TAP) });
      const mine = file.sites.filter((s) => s.function === 'tap_handle_frame');
      const def = fs.readFileSync(path.join(root, TAP), 'utf8').split('\n').findIndex((l) => /^rx_handler_result_t tap_handle_frame\(/.test(l));
      // Other lenses (probes) may sit on the same line.
      const lens = lenses.find((l) => l.range.start.line === def && l.command.command === SHOW_DROP_SITES_COMMAND);
      assert.ok(lens, JSON.stringify(lenses.map((l) => [l.range.start.line, l.command.title])));
      assert.equal(lens.command.title, `${mine.length} drop sites`);
      assert.equal(lens.command.command, SHOW_DROP_SITES_COMMAND);
      assert.deepEqual(lens.command.arguments, [uriOf(TAP), mine.map((s) => s.line), 'tap_handle_frame']);
      // One lens per function with drop sites.
      assert.equal(lenses.filter((l) => l.command.command === SHOW_DROP_SITES_COMMAND).length, new Set(file.sites.map((s) => s.function)).size);
    });

    test('counterMap lists the counters read from the tree, with the keys counter sites take', async () => {
      const map = await lsp.connection.sendRequest(CounterMapRequest, {});
      const key = (k: string) => map.find((c) => c.key === k);
      assert.deepEqual(key('Udp:RcvbufErrors'), { key: 'Udp:RcvbufErrors', name: 'RcvbufErrors', file: '/proc/net/snmp', prefix: 'Udp', mib: 'UDP_MIB_RCVBUFERRORS', drop: true });
      assert.equal(key('/proc/net/softnet_stat:time_squeeze')?.field, 'time_squeeze');
      assert.equal(key('/proc/net/snmp6:Udp6RcvbufErrors')?.mib, 'UDP_MIB_RCVBUFERRORS');
      assert.equal(key('rx_dropped')?.file, '/sys/class/net/*/statistics/rx_dropped');
      assert.equal(new Set(map.map((c) => c.key)).size, map.length, 'keys are unique');
    });

    test('explainCounter: nstat names resolve, the tree root comes back for links, an unknown name is an error', async () => {
      const x = await lsp.connection.sendRequest(ExplainCounterRequest, { counter: 'UdpRcvbufErrors' });
      assert.equal(x.key, 'Udp:RcvbufErrors');
      assert.equal(x.rootUri.replace(/\/$/, ''), pathToFileURL(root).toString().replace(/\/$/, ''));
      assert.ok(x.reasons.some((r) => r.name === 'SKB_DROP_REASON_SOCKET_RCVBUFF'), JSON.stringify(x.reasons));
      await assert.rejects(lsp.connection.sendRequest(ExplainCounterRequest, { counter: 'NoSuchCounterAnywhere' }), (e: unknown) => e instanceof ResponseError && /no counter named/.test(e.message));
    });
  });
}
