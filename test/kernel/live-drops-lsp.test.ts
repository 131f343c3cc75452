// The editor's side of live drops with real parts: a live session on this machine (as root)
// overflows a UDP socket on loopback; its interval goes to the real language server
// (dist/server.js) on the 6.12 tree as the VS Code client sends it, and comes back attributed to
// __udp_queue_rcv_skb's free with the file's URI; the pure view state turns it into the
// decoration text shown at that line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LiveDropsAttributeRequest, type LiveDropsAttributeParams, type LiveDropsAttributeResult } from '../../shared/protocol';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';
import { Recorded, globalEnable, hostRestored } from '../helpers/live-session';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { LiveDropsViewState } from '../../client/src/live-drops-state';

describe('live drops through the language server (Linux 6.12)', () => {
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

  test('a real interval is attributed to net/ipv4/udp.c at __udp_queue_rcv_skb\'s free and decorated there', async () => {
    assert.equal(process.getuid?.(), 0, 'prerequisite missing: root');
    const lines = fs.readFileSync(path.join(root, 'net/ipv4/udp.c'), 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('static int __udp_queue_rcv_skb('));
    const v4 = lines.findIndex((l, i) => i > start && l.includes('sk_skb_reason_drop(')) + 1;
    const before0 = globalEnable();
    const r = new Recorded({ intervalS: 1 });
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
    } finally {
      await r.session.stop();
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
  });
});
