// The editor's view of a live drop session, without VS Code: decoration text per drop-site line,
// the hover's history, lines fading out after HISTORY quiet intervals, and the status bar text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { HISTORY, LiveDropsViewState } from '../../client/src/live-drops-state';
import type { LiveDropsAttributeResult } from '../../shared/protocol';

const U = 'file:///k/net/ipv4/udp.c';
const site = (line: number) => ({ file: 'net/ipv4/udp.c', line, function: 'f', uri: U, reasons: ['SOCKET_RCVBUFF'] });
const result = (rate: number, approximate = false): LiveDropsAttributeResult => ({
  approximate, ...(approximate ? { approximateWhy: 'tree 6.12.117, host 6.18.44' } : {}),
  rows: rate ? [
    { location: 'udp_queue_rcv_one_skb+0x437', fn: 'udp_queue_rcv_one_skb', reason: 'SOCKET_RCVBUFF', count: rate, ratePerS: rate, verdict: 'drop', note: 'the only site with this reason', sites: [site(2153)] },
    { location: 'x+0x1', fn: 'x', reason: 'NOT_SPECIFIED', count: 3, ratePerS: 3, verdict: 'drop', note: 'one of 2 sites with this reason', sites: [site(10), site(20)] },
    { location: 'udp_destruct_common+0xb9', reason: 'NOT_SPECIFIED', count: 1, ratePerS: 1, verdict: 'freed', note: 'freed, probably not a drop', sites: [] },
  ] : [],
});

test('decorations: rate, reason and host at each site; an ambiguous row at each of its sites; approximate marked', () => {
  const v = new LiveDropsViewState('host-a');
  assert.match(v.status().text, /drops host-a/);
  v.update(1, result(412, true), { events: 416, lost: 0, capped: 0 });
  const d = v.decorations();
  assert.deepEqual(d.map((x) => [x.line, x.text]), [[10, '3/s NOT_SPECIFIED, host-a (approximate)'], [20, '3/s NOT_SPECIFIED, host-a (approximate)'], [2153, '412/s SOCKET_RCVBUFF, host-a (approximate)']]);
  assert.match(d[0].hover, /x\+0x1: one of 2 sites with this reason/);
  assert.match(d[2].hover, /tree 6\.12\.117, host 6\.18\.44/);
  assert.equal(v.status().text, '$(debug-stop) drops host-a: 415/s');
  assert.match(v.status().tooltip, /1\/s freed \(probably not drops\), 416 events/);
});

test('a quiet line shows 0/s with its last reason, keeps its history, and goes after HISTORY quiet intervals', () => {
  const v = new LiveDropsViewState('local');
  v.update(1, result(1999), { events: 2003, lost: 5, capped: 0 });
  v.update(2, result(0), { events: 0, lost: 0, capped: 0 });
  const d = v.decorations().find((x) => x.line === 2153)!;
  assert.equal(d.text, '0/s SOCKET_RCVBUFF, local');
  assert.match(d.hover, /\| 2 \| 0\/s \| - \| - \|\n\| 1 \| 1999\/s \| SOCKET_RCVBUFF \| udp_queue_rcv_one_skb\+0x437 \|/);
  for (let i = 3; i < 2 + HISTORY; i++) v.update(i, result(0), { events: 0, lost: 0, capped: 0 });
  assert.equal(v.decorations().length, 0);
});
