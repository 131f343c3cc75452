// The "Receive path" view model (client/src/receive-path-tree.ts, no VS Code needed): chains as
// flat numbered lists with costs and drop sites, the message that follows the start, and the
// package.json contributions it relies on.
import { SOURCE_WHEN } from '../../client/src/kernel-source';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPathTree, endPointChoices, entryPointChoices, hopLabel, parseNames, pathTreeMessage, RECEIVE_PATH_COMMANDS, RECEIVE_PATH_VIEW, type PathTreeNode } from '../../client/src/receive-path-tree';
import { callKindLabel, type CallKind, type ReceivePathFunction, type ReceivePathHop } from '../../shared/protocol';
import { SOCKET_DELIVERY } from '../../shared/receive-path-ends';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));

function hop(caller: string, callee: string, line: number, kind: CallKind = 'direct', candidates?: number): ReceivePathHop {
  const file = 'net/ipv4/ip_input.c';
  return { caller, callee, file, line, col: 4, kind, ...(candidates !== undefined ? { candidates } : {}), uri: `file:///src/linux/${file}` };
}

const shortest = [hop('ip_rcv', 'ip_rcv_finish', 569, 'macro', 1), hop('ip_rcv_finish', 'ip_local_deliver', 449), hop('ip_local_deliver', 'udp_rcv', 205, 'macro', 13)];
const longer = [hop('ip_rcv', 'ip_rcv_finish', 569, 'macro', 1), hop('ip_rcv_finish', 'dst_input', 450), hop('dst_input', 'udp_rcv', 478, 'field', 2), hop('udp_rcv', 'udp_rcv', 10)];

const labels = (nodes: PathTreeNode[]): unknown => nodes.map((n) => [n.label, labels(n.children)]);

test('hop labels name caller, callee and how the call is made', () => {
  assert.equal(hopLabel(hop('ip_rcv', 'udp_rcv', 1, 'macro')), 'ip_rcv → udp_rcv  (macro)');
  assert.equal(hopLabel(hop('dst_input', 'ip_local_deliver', 1, 'field', 2)), 'dst_input → ip_local_deliver  (field · 2 candidates)');
  assert.equal(hopLabel(hop('a', 'b', 1, 'macro', 1)), 'a → b  (macro · 1 candidate)');
  assert.equal(hopLabel(hop('a', 'b', 1)), 'a → b  (direct)');
  assert.equal(callKindLabel('registered', 3), 'registered · 3 candidates');
});

function fn(name: string, line: number, drops: number, reasons: string[] = []): ReceivePathFunction {
  return { name, file: 'net/ipv4/ip_input.c', line, uri: 'file:///src/linux/net/ipv4/ip_input.c', drops, reasons };
}
const fnsOf = (hops: ReceivePathHop[]) => [hops[0].caller, ...hops.map((h) => h.callee)].map((n, i) => fn(n, 100 + i, i % 2, i % 2 ? ['SKB_DROP_REASON_IP_CSUM'] : []));

test('each chain is a flat, numbered list of its hops, one chain after another', () => {
  const tree = buildPathTree({ paths: [shortest, longer], costs: [3, 4.5], functions: [fnsOf(shortest), fnsOf(longer)] });
  assert.deepEqual(labels(tree), [
    ['Path 1 · cost 3 · ip_rcv → udp_rcv', [['0. ip_rcv', []], ['1. ip_rcv → ip_rcv_finish', []], ['2. ip_rcv_finish → ip_local_deliver', []], ['3. ip_local_deliver → udp_rcv', []]]],
    ['Path 2 · cost 4.5 · ip_rcv → udp_rcv', [['0. ip_rcv', []], ['1. ip_rcv → ip_rcv_finish', []], ['2. ip_rcv_finish → dst_input', []], ['3. dst_input → udp_rcv', []], ['4. udp_rcv → udp_rcv', []]]],
  ]);
  const [first] = tree;
  assert.equal(first.description, '3 hops · 2 drop sites on the chain');
  assert.equal(first.tooltip, 'ip_rcv → ip_rcv_finish → ip_local_deliver → udp_rcv');
  assert.ok(tree.every((n) => n.expanded), 'every chain is open: the list is flat, so all of it fits');
  const [start, h1, , h3] = first.children;
  assert.equal(start.description, 'ip_input.c:100 · start', 'no drop sites: no count (the tooltip says 0)');
  assert.match(start.tooltip, /ip_rcv is defined at net\/ipv4\/ip_input\.c:100: 0 drop sites/);
  assert.deepEqual(start.open, { uri: 'file:///src/linux/net/ipv4/ip_input.c', line: 100, col: 0 });
  // The hop's call site, kind, candidates, cost, and the callee's drop sites.
  assert.equal(h1.description, 'ip_input.c:569 · macro · 1 candidate · 1 drop');
  assert.deepEqual(h1.open, { uri: 'file:///src/linux/net/ipv4/ip_input.c', line: 569, col: 4 });
  assert.equal(h3.description, 'ip_input.c:205 · macro · 13 candidates · 1 drop');
  assert.match(h1.tooltip, /ip_rcv calls ip_rcv_finish at net\/ipv4\/ip_input\.c:569 \(macro · 1 candidate\)/);
  assert.match(h1.tooltip, /ip_rcv_finish is defined at net\/ipv4\/ip_input\.c:101: 1 drop site \(SKB_DROP_REASON_IP_CSUM\)/);
  assert.ok(first.children.every((c) => !c.children.length && !c.expanded));
});

test('a hop shows its cost and why the ranking chose it', () => {
  const ranked = [{ ...shortest[0], cost: 1 }, { ...shortest[2], cost: 1, why: '1 of 13 candidates' }];
  const [root] = buildPathTree({ paths: [ranked], costs: [2] });
  assert.equal(root.children[1].description, 'ip_input.c:569 · macro · 1 candidate · cost 1', 'no function data: no drop count');
  assert.match(root.children[2].tooltip, /cost 1: 1 of 13 candidates/);
  assert.equal(root.children[0].open, undefined, 'without function data the start has no definition to open');
});

test('a start in the middle: the chains into it first, then the chains onward', () => {
  const into = [hop('process_backlog', 'ip_rcv', 5)];
  const tree = buildPathTree({ paths: [shortest], costs: [3], functions: [fnsOf(shortest)], inbound: { paths: [into], costs: [1], functions: [fnsOf(into)] } });
  assert.deepEqual(tree.map((n) => n.label), ['Into 1 · cost 1 · process_backlog → ip_rcv', 'Onward 1 · cost 3 · ip_rcv → udp_rcv']);
});

test('node ids are unique and stable across builds', () => {
  const ids = (nodes: PathTreeNode[]): string[] => nodes.flatMap((n) => [n.id, ...ids(n.children)]);
  const both = { paths: [shortest, longer], inbound: { paths: [shortest], costs: [3], functions: [fnsOf(shortest)] } };
  const a = ids(buildPathTree(both));
  assert.equal(new Set(a).size, a.length);
  assert.deepEqual(ids(buildPathTree(both)), a);
});

test('no chains: an empty list and a message saying what was searched', () => {
  const delivery = SOCKET_DELIVERY.map((e) => e.name);
  assert.deepEqual(buildPathTree({ paths: [] }), []);
  assert.equal(pathTreeMessage({ from: 'ixgbe_poll', to: delivery, paths: [], start: 'napi-poll' }), 'No call chain from ixgbe_poll to IPv4/IPv6 socket delivery in the index.');
  assert.equal(pathTreeMessage({ from: 'ixgbe_poll', to: ['tcp_v4_do_rcv'], paths: [shortest] }), '1 most likely chain from ixgbe_poll to tcp_v4_do_rcv');
  assert.equal(pathTreeMessage({ from: 'ixgbe_poll', to: delivery, paths: [shortest, longer], costs: [24, 25.5], start: 'napi-poll' }), '2 most likely chains from ixgbe_poll to IPv4/IPv6 socket delivery (cost 24, 25.5)');
  assert.equal(pathTreeMessage({ from: 'a', to: ['b'], paths: [], via: ['ip_rcv'], avoid: ['x', 'y'], maxCandidates: 8 }), 'No call chain from a to b via ip_rcv, avoiding x, y, at most 8 candidates a hop in the index.');
});

test('the message follows the start: both halves for a middle function, only the way in for socket delivery', () => {
  const leg = { paths: [shortest], costs: [3], functions: [] };
  const delivery = SOCKET_DELIVERY.map((e) => e.name);
  assert.equal(pathTreeMessage({ from: 'ip_rcv', to: delivery, paths: [shortest, longer], costs: [7, 11], start: 'other', inbound: leg }),
    '1 most likely chain into ip_rcv from NAPI poll functions (cost 3); 2 onward to IPv4/IPv6 socket delivery (cost 7, 11).');
  assert.equal(pathTreeMessage({ from: 'x', to: delivery, paths: [], start: 'other', inbound: { paths: [], costs: [], functions: [] } }),
    'No chain into x from a NAPI poll function; no chain onward to IPv4/IPv6 socket delivery.');
  assert.equal(pathTreeMessage({ from: '__udp_queue_rcv_skb', to: [], paths: [], start: 'socket-delivery', inbound: leg }), '1 most likely chain from NAPI poll functions to __udp_queue_rcv_skb (cost 3)');
});

test('filter input: function names only', () => {
  assert.deepEqual(parseNames(' ip_rcv, ip_list_rcv  udp_rcv'), ['ip_rcv', 'ip_list_rcv', 'udp_rcv']);
  assert.deepEqual(parseNames(''), []);
  assert.equal(parseNames('ip_rcv; rm -rf'), '"ip_rcv;" is not a function name');
});

test('end point choices: IPv4/IPv6 socket delivery together, then each alone', () => {
  const choices = endPointChoices();
  assert.equal(choices[0].label, 'IPv4/IPv6 socket delivery');
  assert.deepEqual(choices[0].to, [], 'empty means the server defaults');
  assert.deepEqual(choices.slice(1).map((c) => c.to), SOCKET_DELIVERY.map((e) => [e.name]));
  assert.deepEqual(SOCKET_DELIVERY.map((e) => e.name), ['__udp_queue_rcv_skb', 'tcp_v4_do_rcv', '__udpv6_queue_rcv_skb', 'tcp_v6_do_rcv', 'sock_queue_rcv_skb']);
  const entries = entryPointChoices([{ name: 'ixgbe_poll', file: 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c', line: 3150, uri: 'file:///x' }]);
  assert.deepEqual(entries.map((e) => [e.label, e.description]), [['ixgbe_poll', 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c:3150']]);
});

test('package.json contributes the Receive path view and its commands', () => {
  const views = Object.values(manifest.contributes.views as Record<string, Array<{ id: string; name: string }>>).flat();
  assert.deepEqual(views.filter((v) => v.id === RECEIVE_PATH_VIEW).map((v) => v.name), ['Receive path']);
  const commands = manifest.contributes.commands as Array<{ command: string; title: string; category?: string }>;
  const title = (id: string) => {
    const c = commands.find((x) => x.command === id);
    return c && (c.category ? `${c.category}: ${c.title}` : c.title);
  };
  assert.equal(title(RECEIVE_PATH_COMMANDS.fromHere), 'netpath: Show receive path from here');
  assert.ok(title(RECEIVE_PATH_COMMANDS.pick)?.startsWith('netpath: Show receive path'));
  const menus = manifest.contributes.menus as Record<string, Array<{ command: string; when?: string }>>;
  assert.ok(menus['editor/context'].some((m) => m.command === RECEIVE_PATH_COMMANDS.fromHere && m.when === SOURCE_WHEN));
  assert.ok(menus['view/title'].some((m) => m.command === RECEIVE_PATH_COMMANDS.pick && m.when === `view == ${RECEIVE_PATH_VIEW}`));
  assert.equal(title(RECEIVE_PATH_COMMANDS.filter), 'netpath: Filter receive paths (via, avoid, candidates)…');
  assert.ok(menus['view/title'].some((m) => m.command === RECEIVE_PATH_COMMANDS.filter && m.when === `view == ${RECEIVE_PATH_VIEW}`));
  const welcome = manifest.contributes.viewsWelcome as Array<{ view: string; contents: string }>;
  assert.ok(welcome.some((w) => w.view === RECEIVE_PATH_VIEW && w.contents.includes(`command:${RECEIVE_PATH_COMMANDS.pick}`)));
});
