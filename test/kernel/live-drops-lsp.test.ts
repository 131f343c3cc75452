// netpath-test: host
// The editor's side of live drops with real parts: a live session on this machine (as root)
// overflows a UDP socket on loopback; its interval goes to the real language server
// (dist/server.js) on the 6.12 tree as the VS Code client sends it, and comes back attributed to
// __udp_queue_rcv_skb's free with the file's URI; the pure view state turns it into the
// decoration text shown at that line, the Drop sites view's rate and badge, and the counters
// panel's "Drops by location" row. The counters stream of the same run (this machine's /proc)
// puts the RcvbufErrors rate on its increment line, found by the server's counter-sites request.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CounterSitesRequest, DropSitesRequest, LiveDropsAttributeRequest, type CounterRowView, type CounterSitesResult, type DropSitesResult, type LiveDropsAttributeParams, type LiveDropsAttributeResult } from '../../shared/protocol';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';
import { Recorded, globalEnable, hostRestored, useTracefs } from '../helpers/live-session';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { LiveDropsViewState } from '../../client/src/live-drops-state';
import { buildDropTree, type DropTreeNode } from '../../client/src/drop-sites-tree';
import { liveBadge, sitesInView, withLiveRates } from '../../client/src/drop-sites-live';
import { CounterLineRates } from '../../client/src/counter-line-rates';
import { CountersViewState } from '../../client/src/counters-state';
import { LocalFeed } from '../../live-counters/local-feed';
import { CounterRecorder } from '../helpers/counter-recorder';

/** Every node of a tree, depth first. */
const flat = (nodes: DropTreeNode[]): DropTreeNode[] => nodes.flatMap((n) => [n, ...flat(n.children)]);

describe('live drops through the language server (Linux 6.12)', () => {
  useTracefs();
  let root = '';
  let lsp: LspServer;
  before(async () => {
    root = kernelTree('6.12');
    lsp = await LspServer.start(root, { cacheDirectory: sharedCache() });
    await lsp.ready();
  });
  after(async () => {
    await lsp.stop();
  });

  test('a real interval is attributed to net/ipv4/udp.c at __udp_queue_rcv_skb\'s free: decoration, Drop sites rate and badge, Drops by location row; RcvbufErrors\' increment line shows its rate', async () => {
    assert.equal(process.getuid?.(), 0, 'prerequisite missing: root');
    const lines = fs.readFileSync(path.join(root, 'net/ipv4/udp.c'), 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('static int __udp_queue_rcv_skb('));
    const v4 = lines.findIndex((l, i) => i > start && l.includes('sk_skb_reason_drop(')) + 1;
    const rcvbufLine = lines.findIndex((l, i) => i > start && l.includes('UDP_MIB_RCVBUFERRORS')) + 1;
    const before0 = globalEnable();
    const r = new Recorded({ intervalS: 1 });
    const counters = new CounterRecorder();
    const feed = new LocalFeed(1, counters);
    const panel = new CountersViewState();
    // The panel's rows of each sample as they come, and the first where RcvbufErrors rises.
    let applied = 0;
    let moving: CounterRowView[] | undefined;
    const rcvbufRate = () => {
      for (; applied < counters.samples.length && !moving; applied++) {
        const rows = panel.apply('local', counters.samples[applied]).sources.flatMap((src) => src.rows);
        if (rows.some((x) => x.sitesName === 'Udp:RcvbufErrors' && (x.rate ?? 0) > 0)) moving = rows;
      }
      return moving;
    };
    feed.start();
    r.session.start();
    try {
      await r.until('the first interval', () => r.intervals.length >= 1, 60_000);
      const s = await UnreadUdpSocket.open('udp4');
      try {
        await s.flood(1000, 512);
      } finally {
        s.close();
      }
      await r.until('the drops', () => r.intervals.some((i) => i.rows.some((x) => x.reason === 'SOCKET_RCVBUFF' && x.count >= 500)));
      await counters.until('RcvbufErrors rising in the counters stream', () => rcvbufRate());
    } finally {
      await r.session.stop();
      await feed.stop();
    }
    await hostRestored(r.session.marker, before0);
    const hello = r.messages.find((m) => m.kind === 'hello');
    assert.ok(hello?.kind === 'hello');
    const iv = r.intervals.find((i) => i.rows.some((x) => x.reason === 'SOCKET_RCVBUFF'))!;
    const params: LiveDropsAttributeParams = {
      release: hello.release, seconds: 1, seq: iv.seq, events: iv.events, lost: iv.lost, capped: iv.capped, sampleEvery: iv.sampleEvery,
      rows: iv.rows.map((x) => ({ ...x.location, ...(x.reason ? { reason: x.reason } : {}), count: x.count })),
    };
    const res: LiveDropsAttributeResult = await lsp.connection.sendRequest(LiveDropsAttributeRequest.method, params);
    const row = res.rows.find((x) => x.reason === 'SOCKET_RCVBUFF')!;
    const uri = pathToFileURL(path.join(root, 'net/ipv4/udp.c')).toString();
    assert.equal(row.verdict, 'drop');
    assert.deepEqual(row.sites.map((s) => [s.uri, s.line, s.function]), [[uri, v4, '__udp_queue_rcv_skb']]);
    assert.equal(res.approximate, !hello.release.startsWith('6.12.'));
    const view = new LiveDropsViewState('local');
    view.update(iv.seq, res, iv);
    const d = view.decorations().find((x) => x.uri === uri && x.line === v4);
    assert.ok(d, JSON.stringify(view.decorations()));
    assert.match(d.text, new RegExp(`^\\d+/s SOCKET_RCVBUFF, local${res.approximate ? ' \\(approximate\\)' : ''}$`));

    // The Drop sites view of udp.c: the site's row leads with the rate, the badge counts it.
    const rates = view.siteRates();
    assert.deepEqual(rates.map((x) => [x.uri, x.line, x.reasons]).filter((x) => x[1] === v4), [[uri, v4, ['SOCKET_RCVBUFF']]]);
    const sites: DropSitesResult = await lsp.connection.sendRequest(DropSitesRequest.method, { uri });
    const plain = buildDropTree(sites.sites);
    const live = flat(withLiveRates(plain, rates));
    const siteNode = live.find((n) => n.kind === 'site' && n.line === v4)!;
    assert.match(siteNode.description, new RegExp(`^${Math.round(row.ratePerS)}/s SOCKET_RCVBUFF · `));
    assert.match(live.find((n) => n.kind === 'function' && n.label === '__udp_queue_rcv_skb')!.description, /^\d+\/s · \d+ sites?$/);
    assert.equal(flat(plain).find((n) => n.kind === 'site' && n.line === v4)!.description, siteNode.description.replace(/^[^·]+· /, ''), 'without a session, the plain description');
    const badge = liveBadge('local', rates, sitesInView(plain, rates), view.dropRate());
    assert.equal(badge?.value, rates.length);
    assert.match(badge!.tooltip, new RegExp(`dropping on local: \\d+/s \\(${rates.length} listed here\\)`));

    // "Drops by location": the row names the location, the line, rate and reason, and opens the line.
    const locs = view.locations()!;
    const first = locs.rows.find((x) => x.reason === 'SOCKET_RCVBUFF')!;
    assert.equal(first.location, row.location);
    assert.equal(first.where, `net/ipv4/udp.c:${v4} (__udp_queue_rcv_skb, inlined)`);
    assert.deepEqual(first.open, { uri, line: v4 });
    assert.deepEqual(locs.rows.map((x) => x.ratePerS), [...locs.rows.map((x) => x.ratePerS)].sort((a, b) => b - a), 'sorted by rate');

    // The counters stream: RcvbufErrors' increment line in __udp_queue_rcv_skb shows its rate.
    const lineRates = new CounterLineRates();
    const ask = lineRates.update(moving!);
    assert.ok(ask.includes('Udp:RcvbufErrors'), JSON.stringify(ask));
    const got: CounterSitesResult = await lsp.connection.sendRequest(CounterSitesRequest.method, { counter: 'Udp:RcvbufErrors' });
    lineRates.sites('Udp:RcvbufErrors', got.sites);
    const inc = lineRates.decorations('local').find((x) => x.uri === uri && x.line === rcvbufLine);
    assert.ok(inc, `a decoration at udp.c:${rcvbufLine}: ${JSON.stringify(lineRates.decorations('local').filter((x) => x.uri === uri))}`);
    assert.match(inc.text, /^\+\d+(\.\d+)?\/s Udp:RcvbufErrors(, | · )/);
    assert.match(inc.text, /, local$/);
  });
});
