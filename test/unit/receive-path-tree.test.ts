// The "Receive path" view model (client/src/receive-path-tree.ts, no VS Code needed) and the
// package.json contributions it relies on.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPathTree, endPointChoices, entryPointChoices, hopLabel, parseNames, pathTreeMessage, RECEIVE_PATH_COMMANDS, RECEIVE_PATH_VIEW, type PathTreeNode } from '../../client/src/receive-path-tree';
import { callKindLabel, SOCKET_ENQUEUE_FUNCTIONS, type CallKind, type ReceivePathHop } from '../../shared/protocol';

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

test('chains become a tree that expands hop by hop, sharing common first hops', () => {
  const tree = buildPathTree({ paths: [shortest, longer] });
  assert.deepEqual(labels(tree), [
    ['ip_rcv → ip_rcv_finish  (macro · 1 candidate)', [
      ['ip_rcv_finish → ip_local_deliver  (direct)', [['ip_local_deliver → udp_rcv  (macro · 13 candidates)', []]]],
      ['ip_rcv_finish → dst_input  (direct)', [['dst_input → udp_rcv  (field · 2 candidates)', [['udp_rcv → udp_rcv  (direct)', []]]]]],
    ]],
  ]);
  const [root] = tree;
  assert.deepEqual(root.paths, [1, 2]);
  assert.deepEqual(root.children.map((n) => n.paths), [[1], [2]]);
  assert.equal(root.description, 'net/ipv4/ip_input.c:569');
  assert.equal(root.hop.line, 569);
  assert.equal(root.hop.col, 4);
  assert.equal(root.hop.uri, 'file:///src/linux/net/ipv4/ip_input.c');
  assert.match(root.tooltip, /ip_rcv calls ip_rcv_finish at net\/ipv4\/ip_input\.c:569 \(macro · 1 candidate\)/);
});

test('the shortest chain is expanded, the others and the leaves are not', () => {
  const [root] = buildPathTree({ paths: [shortest, longer] });
  assert.equal(root.expanded, true);
  const [first, second] = root.children;
  assert.equal(first.expanded, true);
  assert.equal(first.children[0].expanded, false, 'a leaf has nothing to expand');
  assert.equal(second.expanded, false);
});

test('node ids are unique and stable across builds', () => {
  const ids = (nodes: PathTreeNode[]): string[] => nodes.flatMap((n) => [n.id, ...ids(n.children)]);
  const a = ids(buildPathTree({ paths: [shortest, longer] }));
  assert.equal(new Set(a).size, a.length);
  assert.deepEqual(ids(buildPathTree({ paths: [shortest, longer] })), a);
  // The same hop reached by another route is another node.
  const viaOther = [hop('other', 'ip_rcv', 1), ...shortest];
  const b = ids(buildPathTree({ paths: [shortest, viaOther] }));
  assert.equal(new Set(b).size, b.length);
});

test('no chains: an empty tree and a message saying what was searched', () => {
  assert.deepEqual(buildPathTree({ paths: [] }), []);
  assert.equal(pathTreeMessage({ from: 'ixgbe_poll', to: [...SOCKET_ENQUEUE_FUNCTIONS], paths: [] }), 'No call chain from ixgbe_poll to the socket-enqueue functions in the index.');
  assert.equal(pathTreeMessage({ from: 'ixgbe_poll', to: ['tcp_v4_do_rcv'], paths: [shortest] }), '1 most likely chain from ixgbe_poll to tcp_v4_do_rcv');
  assert.equal(pathTreeMessage({ from: 'ixgbe_poll', to: [...SOCKET_ENQUEUE_FUNCTIONS], paths: [shortest, longer], costs: [24, 25.5] }), '2 most likely chains from ixgbe_poll to the socket-enqueue functions (cost 24, 25.5)');
  assert.equal(pathTreeMessage({ from: 'a', to: ['b'], paths: [], via: ['ip_rcv'], avoid: ['x', 'y'], maxCandidates: 8 }), 'No call chain from a to b via ip_rcv, avoiding x, y, at most 8 candidates a hop in the index.');
});

test('filter input: function names only', () => {
  assert.deepEqual(parseNames(' ip_rcv, ip_list_rcv  udp_rcv'), ['ip_rcv', 'ip_list_rcv', 'udp_rcv']);
  assert.deepEqual(parseNames(''), []);
  assert.equal(parseNames('ip_rcv; rm -rf'), '"ip_rcv;" is not a function name');
});

test('end point choices: the socket-enqueue defaults together, then each alone', () => {
  const choices = endPointChoices();
  assert.deepEqual(choices[0].to, [], 'empty means the server defaults');
  assert.deepEqual(choices.slice(1).map((c) => c.to), SOCKET_ENQUEUE_FUNCTIONS.map((f) => [f]));
  assert.deepEqual([...SOCKET_ENQUEUE_FUNCTIONS], ['__udp_queue_rcv_skb', 'tcp_v4_do_rcv', '__sock_queue_rcv_skb']);
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
  assert.ok(menus['editor/context'].some((m) => m.command === RECEIVE_PATH_COMMANDS.fromHere && m.when === 'editorLangId == c'));
  assert.ok(menus['view/title'].some((m) => m.command === RECEIVE_PATH_COMMANDS.pick && m.when === `view == ${RECEIVE_PATH_VIEW}`));
  assert.equal(title(RECEIVE_PATH_COMMANDS.filter), 'netpath: Filter receive paths (via, avoid, candidates)…');
  assert.ok(menus['view/title'].some((m) => m.command === RECEIVE_PATH_COMMANDS.filter && m.when === `view == ${RECEIVE_PATH_VIEW}`));
  const welcome = manifest.contributes.viewsWelcome as Array<{ view: string; contents: string }>;
  assert.ok(welcome.some((w) => w.view === RECEIVE_PATH_VIEW && w.contents.includes(`command:${RECEIVE_PATH_COMMANDS.pick}`)));
});
