// The probe request and code lenses through the real language server (dist/server.js over stdio)
// on the 6.1 and 6.12 trees: what the editor commands get back, and the errors they show.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-jsonrpc/node';
import { BPFTRACE_PROBE_COMMANDS, GenerateProbeRequest, PROBE_COMMANDS, type GenerateProbeParams, type GenerateProbeResult } from '../../shared/protocol';
import { SOCKET_ENQUEUE_FUNCTIONS } from '../../shared/receive-path-ends';
import { KERNEL_VERSIONS, TEST_SCOPE, kernelTree, sharedCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
/** LSP InvalidParams: the answer to a probe request with nothing to probe. */
const INVALID_PARAMS = -32602;

/** 1-based line of the first line at or after `from` matching `re`. */
function lineOf(root: string, rel: string, re: RegExp, from = 1): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l, n) => n + 1 >= from && re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel}`);
  return i + 1;
}

for (const version of KERNEL_VERSIONS) {
  describe(`probes in the language server on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    let lsp: LspServer;
    const uriOf = (rel: string) => pathToFileURL(path.join(root, rel)).toString();
    const ask = (params: GenerateProbeParams) => lsp.connection.sendRequest(GenerateProbeRequest.method, params) as Promise<GenerateProbeResult>;

    before(async () => {
      root = kernelTree(version);
      cache = sharedCache();
      lsp = await LspServer.start(root, { scope: SCOPE, cacheDirectory: cache });
      await lsp.ready();
    });
    after(async () => {
      const code = await lsp.stop();
      // The shared cache stays for the next test file.
      assert.equal(code, 0, `server exit code; stderr: ${lsp.stderr.join('')}`);
    });

    test('function at the cursor, and a line, as systemtap scripts', async () => {
      const ipRcv = lineOf(root, 'net/ipv4/ip_input.c', /^int ip_rcv\(/);
      const fn = await ask({ mode: 'function', uri: uriOf('net/ipv4/ip_input.c'), line: ipRcv + 2 - 1 });
      assert.equal(fn.languageId, 'systemtap');
      assert.equal(fn.title, 'entry and return of ip_rcv');
      assert.equal(fn.fileName, 'ip_rcv.stp');
      assert.match(fn.text, /\nprobe kernel\.function\("ip_rcv@net\/ipv4\/ip_input\.c"\)\.call\n/);
      const start = lineOf(root, 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/);
      const line = lineOf(root, 'net/ipv4/udp.c', /UDP_MIB_RCVBUFERRORS/, start);
      const ln = await ask({ mode: 'line', uri: uriOf('net/ipv4/udp.c'), line: line - 1 });
      assert.equal(ln.points[0], `kernel.statement("__udp_queue_rcv_skb@net/ipv4/udp.c:${line}")`);
    });

    test('which drop site fires, from a lens\'s arguments, and the receive path from the cursor', async () => {
      const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
      const drops = await ask({ mode: 'drops', uri: uriOf('drivers/net/tap.c'), function: 'tap_handle_frame', line: def - 1 });
      const firstGoto = lineOf(root, 'drivers/net/tap.c', /\bgoto drop;/, def);
      // A goto line has no line record: the site is counted at the drop label, told apart by $drop_reason.
      assert.ok(drops.points.includes('module("tap").function("tap_handle_frame@drivers/net/tap.c").label("drop")!'), drops.points.join('\n'));
      assert.match(drops.text, new RegExp(`\\n# {3}tap\\.c:${firstGoto} goto drop: label drop where \\$drop_reason == \\d+`));
      assert.match(drops.text, /kernel\.trace\("skb:kfree_skb"\)/);
      const poll = lineOf(root, 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c', /^int ixgbe_poll\(/);
      const p = await ask({ mode: 'path', uri: uriOf('drivers/net/ethernet/intel/ixgbe/ixgbe_main.c'), line: poll });
      const m = /^receive path ixgbe_poll -> (\w+)$/.exec(p.title);
      assert.ok(m && SOCKET_ENQUEUE_FUNCTIONS.includes(m[1]), p.title);
      assert.ok(p.points.length > 10, `${p.points.length} points`);
    });

    test('bpftrace, and a script fitted to host local (this machine\'s facts, collected by the server)', async () => {
      const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
      const bt = await ask({ mode: 'drops', tool: 'bpftrace', uri: uriOf('drivers/net/tap.c'), function: 'tap_handle_frame', line: def - 1 });
      assert.equal(bt.languageId, 'bpftrace');
      assert.equal(bt.fileName, 'drops-tap_handle_frame.bt');
      assert.match(bt.text, /^#!\/usr\/bin\/env bpftrace\n/);
      assert.ok(bt.points.includes('tracepoint:skb:kfree_skb'), bt.points.join(' '));
      const ipRcv = lineOf(root, 'net/ipv4/ip_input.c', /^int ip_rcv\(/);
      const fitted = await ask({ mode: 'function', host: 'local', uri: uriOf('net/ipv4/ip_input.c'), line: ipRcv });
      assert.equal(fitted.languageId, 'systemtap');
      assert.ok(fitted.text.includes(`\n# Fitted to host local (uname -r ${os.release()}), facts collected `), fitted.text.slice(0, 2000));
      assert.match(fitted.text, /\n# Every probed function is in host local's kallsyms\.\n/);
      // bpftrace without a host: written for a generic target, the header saying what this machine
      // lacks (no kprobe_events; tracefs may be unmounted in this lane); host local refuses it.
      const generic = await ask({ mode: 'function', tool: 'bpftrace', uri: uriOf('net/ipv4/ip_input.c'), line: ipRcv });
      assert.deepEqual(generic.points, ['kprobe:ip_rcv', 'kretprobe:ip_rcv']);
      assert.match(generic.text, /\n\/\/ (This machine cannot run it as it is: this machine's tracefs \(\S+\) has no kprobe_events|Whether this machine can run it was not checked: )/);
      const refused = ask({ mode: 'function', tool: 'bpftrace', host: 'local', uri: uriOf('net/ipv4/ip_input.c'), line: ipRcv });
      await assert.rejects(refused, (e) => e instanceof ResponseError && e.code === INVALID_PARAMS
        && /^netpath: no bpftrace probe for ip_rcv: ip_rcv: left out: host local's .* has no kprobe_events/.test(e.message) && /There tracepoints need no kprobes: .*`netpath drops --live`/.test(e.message));
      const badHost = ask({ mode: 'function', host: '-oProxyCommand=x', uri: uriOf('net/ipv4/ip_input.c'), line: ipRcv });
      await assert.rejects(badHost, (e) => e instanceof ResponseError && e.code === INVALID_PARAMS && /not a host: it starts with "-"/.test(e.message));
      assert.ok(lsp.alive);
    });

    test('nothing to probe: an error naming the problem, and the server keeps serving', async () => {
      const outside = ask({ mode: 'function', uri: uriOf('net/ipv4/udp.c'), line: 0 });
      await assert.rejects(outside, (e) => e instanceof ResponseError && e.code === INVALID_PARAMS && /put the cursor inside a function/.test(e.message));
      const none = ask({ mode: 'drops', uri: uriOf('net/ipv4/udp.c'), function: 'udp_rcv', line: lineOf(root, 'net/ipv4/udp.c', /^int udp_rcv\(/) - 1 });
      await assert.rejects(none, (e) => e instanceof ResponseError && /no drop sites in udp_rcv/.test(e.message));
      const unknown = ask({ mode: 'path', function: 'no_such_function_netpath' });
      await assert.rejects(unknown, (e) => e instanceof ResponseError && /no function "no_such_function_netpath"|no call chain/.test(e.message));
      const outsideTree = ask({ mode: 'function', uri: 'file:///not/a/kernel/file.c', line: 3 });
      await assert.rejects(outsideTree, (e) => e instanceof ResponseError && /not an indexed file/.test(e.message));
      assert.ok(lsp.alive);
    });

    test('code lenses: Probe above every function of tap.c, and Probe N drop sites above tap_handle_frame', async () => {
      const rel = 'drivers/net/tap.c';
      const text = fs.readFileSync(path.join(root, rel), 'utf8');
      await lsp.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(rel), languageId: 'c', version: 1, text } });
      const lenses = (await lsp.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf(rel) } })) as Array<{ range: { start: { line: number } }; command: { title: string; tooltip?: string; command: string; arguments: Array<{ function: string; line: number }> } }>;
      const probes = lenses.filter((l) => l.command.command === PROBE_COMMANDS.function);
      const defs = [...text.matchAll(/^(?:static\s+)?[a-z_][\w\s*]*?\b(\w+)\([^;]*$/gm)].length;
      assert.ok(probes.length >= 40 && probes.length >= defs * 0.8, `${probes.length} Probe lenses, about ${defs} definitions`);
      const def = lineOf(root, rel, /^rx_handler_result_t tap_handle_frame\(/) - 1;
      const here = lenses.filter((l) => l.range.start.line === def);
      assert.ok(here.some((l) => l.command.title === 'Probe' && l.command.arguments[0].function === 'tap_handle_frame'), JSON.stringify(here));
      const drops = here.find((l) => l.command.command === PROBE_COMMANDS.drops);
      assert.ok(drops && /^Probe \d+ drop sites$/.test(drops.command.title), JSON.stringify(here));
      // netpath.probes.defaultTool = bpftrace: the same lenses run the bpftrace commands.
      await lsp.connection.sendNotification('workspace/didChangeConfiguration', { settings: { netpath: { scope: SCOPE, cacheDirectory: cache, probes: { defaultTool: 'bpftrace' } } } });
      const bt = (await lsp.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf(rel) } })) as typeof lenses;
      const btHere = bt.filter((l) => l.range.start.line === def && l.command.command.startsWith('netpath.probe'));
      assert.deepEqual(btHere.map((l) => l.command.command).sort(), [BPFTRACE_PROBE_COMMANDS.drops, BPFTRACE_PROBE_COMMANDS.function]);
      assert.match(btHere[0].command.tooltip ?? '', /^bpftrace script: /);
      await lsp.connection.sendNotification('workspace/didChangeConfiguration', { settings: { netpath: { scope: SCOPE, cacheDirectory: cache } } });
    });
  });
}
