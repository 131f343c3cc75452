// The "Drop sites" view's model (client/src/drop-sites-tree.ts), without VS Code, and the
// package.json contributions it relies on.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  buildDropTree, counterChoices, DROP_SITES_COMMANDS, DROP_SITES_VIEW, dropTreeMessage, filterSites, reasonChoices, siteDescription, siteLabel,
} from '../../client/src/drop-sites-tree';
import { SHOW_DROP_SITES_COMMAND, type DropSiteInfo } from '../../shared/protocol';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));

function site(file: string, fn: string, line: number, more: Partial<DropSiteInfo> = {}): DropSiteInfo {
  return { function: fn, file, line, uri: `file:///src/linux/${file}`, kind: 'goto', label: 'drop', labelLine: 392, reason: null, counters: [], ...more };
}

const SITES: DropSiteInfo[] = [
  site('drivers/net/tap.c', 'tap_handle_frame', 355, { reason: 'SKB_DROP_REASON_FULL_RING', counters: ['rx_dropped', 'rx_errors'] }),
  site('drivers/net/tap.c', 'tap_handle_frame', 349, { reason: 'SKB_DROP_REASON_SKB_GSO_SEG', counters: ['rx_dropped', 'rx_errors'] }),
  site('drivers/net/tap.c', 'tap_handle_frame', 365, { kind: 'free', label: undefined, labelLine: undefined, via: 'kfree_skb_reason', reason: 'SKB_DROP_REASON_FULL_RING' }),
  site('net/ipv4/udp.c', '__udp_queue_rcv_skb', 2161, { kind: 'counter', label: undefined, labelLine: undefined, via: 'UDP_INC_STATS', counters: ['RcvbufErrors'], onReceivePath: true }),
  site('net/core/dev.c', 'netif_rx_internal', 5000, { kind: 'free', label: undefined, labelLine: undefined, via: 'dev_kfree_skb_any', notAlwaysDrop: true }),
];

test('sites are grouped folder → file → function, sorted, leaves showing label, reason and counters', () => {
  const tree = buildDropTree(SITES);
  assert.deepEqual(tree.map((n) => [n.label, n.description]), [['drivers/net', '3 sites'], ['net/core', '1 site'], ['net/ipv4', '1 site']]);
  const tap = tree[0].children[0];
  assert.deepEqual([tap.label, tap.kind, tap.description], ['tap.c', 'file', '3 sites']);
  const fn = tap.children[0];
  assert.deepEqual([fn.label, fn.line], ['tap_handle_frame', 349]);
  assert.deepEqual(fn.children.map((l) => [l.label, l.description]), [
    ['349  goto drop', 'SKB_GSO_SEG · rx_dropped, rx_errors'],
    ['355  goto drop', 'FULL_RING · rx_dropped, rx_errors'],
    ['365  kfree_skb_reason()', 'FULL_RING'],
  ]);
  assert.match(fn.children[0].tooltip, /goto drop \(label at line 392\)/);
  assert.equal(siteLabel(SITES[4]), '5000  dev_kfree_skb_any() (not always a drop)');
  assert.equal(siteDescription(SITES[3]), 'RcvbufErrors');
  assert.equal(new Set(tree.flatMap((d) => d.children.flatMap((f) => f.children.flatMap((g) => g.children.map((l) => l.id))))).size, SITES.length);
});

test('filters by counter, by reason and to the receive path; choices come from the sites', () => {
  assert.deepEqual(counterChoices(SITES), ['RcvbufErrors', 'rx_dropped', 'rx_errors']);
  assert.deepEqual(reasonChoices(SITES), ['SKB_DROP_REASON_FULL_RING', 'SKB_DROP_REASON_SKB_GSO_SEG']);
  assert.deepEqual(filterSites(SITES, { counter: 'rx_errors' }).map((s) => s.line), [355, 349]);
  assert.deepEqual(filterSites(SITES, { reason: 'SKB_DROP_REASON_FULL_RING' }).map((s) => s.line), [355, 365]);
  assert.deepEqual(filterSites(SITES, { receivePathOnly: true }).map((s) => s.line), [2161]);
  assert.deepEqual(buildDropTree(SITES, { counter: 'RcvbufErrors' }).map((n) => n.label), ['net/ipv4']);
  assert.deepEqual(buildDropTree(SITES, { counter: 'nothing' }), []);
  assert.equal(dropTreeMessage('drivers/net', 5, 2, { counter: 'rx_errors', receivePathOnly: true }), 'drivers/net: 2 of 5 drop sites, counter rx_errors, receive path only');
  assert.equal(dropTreeMessage('net', 1, 1, {}, 7), 'net: 1 drop site (7 files left out: pick a smaller folder)');
  assert.equal(dropTreeMessage(undefined, 0, 0, {}), '');
});

test('package.json contributes the Drop sites view and its commands', () => {
  const views = Object.values(manifest.contributes.views as Record<string, Array<{ id: string; name: string }>>).flat();
  assert.deepEqual(views.filter((v) => v.id === DROP_SITES_VIEW).map((v) => v.name), ['Drop sites']);
  const commands = new Map((manifest.contributes.commands as Array<{ command: string; title: string; category?: string }>).map((c) => [c.command, `${c.category}: ${c.title}`]));
  for (const id of Object.values(DROP_SITES_COMMANDS)) assert.ok(commands.has(id), `command ${id} contributed`);
  assert.equal(commands.get(DROP_SITES_COMMANDS.explainCounter), 'netpath: Explain counter…');
  assert.equal(DROP_SITES_COMMANDS.showAt, SHOW_DROP_SITES_COMMAND);
  const menus = manifest.contributes.menus as Record<string, Array<{ command: string; when?: string }>>;
  for (const id of [DROP_SITES_COMMANDS.inFolder, DROP_SITES_COMMANDS.filterCounter, DROP_SITES_COMMANDS.filterReason, DROP_SITES_COMMANDS.receivePathOnly, DROP_SITES_COMMANDS.clearFilter]) {
    assert.ok(menus['view/title'].some((m) => m.command === id && m.when === `view == ${DROP_SITES_VIEW}`), `${id} in the view title`);
  }
  // The lens command takes arguments: it is not offered in the command palette.
  assert.ok(menus.commandPalette.some((m) => m.command === SHOW_DROP_SITES_COMMAND && m.when === 'false'));
});
