// The Receive path view's answer on the real Debian 6.1 and 6.12 trees: its default end points
// follow the start (NAPI poll: IPv4/IPv6 UDP and TCP delivery; a middle function: both halves;
// a socket-delivery function: only the chains into it), no chain leaves the receive path
// through a destructor or another protocol's handler, and each function on a chain carries its
// definition (read back from the tree) and its drop sites (the drop engine's own count).
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { savedGraph } from '../helpers/saved-graph';
import { KERNEL_VERSIONS, kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { DropEngine } from '../../server/src/engine/drops/engine';
import { napiPollIds, receivePathResult } from '../../server/src/engine/analysis/receive-path-query';
import { type ReceivePathLeg, type ReceivePathResult } from '../../shared/protocol';
import { SOCKET_DELIVERY } from '../../shared/receive-path-ends';
import { buildPathMap, pathMapDot, renderPathMap, svgText } from '../../shared/path-map';
import { spawnSync } from 'node:child_process';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');

const DELIVERY = new Set(SOCKET_DELIVERY.map((e) => e.name));
const IP_DELIVERY = ['ip_protocol_deliver_rcu', 'ip6_protocol_deliver_rcu'];
/** Where a packet from an Intel NIC to an IP socket goes; anything else (net/appletalk, net/iucv, net/packet) is another transport. */
const ON_PATH = /^(drivers\/net\/ethernet\/intel\/ixgbe\/|net\/core\/|net\/ipv4\/|net\/ipv6\/|include\/)/;
const DESTRUCTOR = /destruct|destroy|_free\b|kfree|release/;

for (const version of KERNEL_VERSIONS) {
  describe(`Receive path view on Linux ${version}`, () => {
    let root = '';
    let idx: KernelIndex;
    let g: CallGraph;
    let engine: DropEngine;
    before(async () => {
      root = kernelTree(version);
      idx = await KernelIndex.open(root, { cacheRoot: sharedCache() });
      const saved = await savedGraph(idx);
      g = saved.graph;
      engine = await saved.drops();
    });

    const ask = (from: string, to: string[] = []) =>
      receivePathResult(g, engine, { from, to, max: 3, opts: {}, napi: idx.knowledge.napiPoll }, { root, rootUri: `file://${root}`, toUri: (f) => `file://${root}/${f}` });
    const lines = (file: string) => fs.readFileSync(path.join(root, file), 'utf8').split('\n');
    const chain = (leg: ReceivePathLeg, i: number) => leg.functions[i].map((f) => f.name);

    /** Hops connect, costs add up and rise, functions are the chain's with their definitions and drop sites. */
    const wellFormed = async (leg: ReceivePathLeg) => {
      assert.equal(leg.paths.length, leg.costs.length);
      assert.equal(leg.paths.length, leg.functions.length);
      for (let p = 0; p < leg.paths.length; p++) {
        const hops = leg.paths[p];
        const fns = leg.functions[p];
        assert.deepEqual(fns.map((f) => f.name), [hops[0].caller, ...hops.map((h) => h.callee)]);
        for (const h of hops) {
          if (h.kind === 'direct') assert.ok(lines(h.file)[h.line - 1].slice(h.col).startsWith(h.callee), `${h.file}:${h.line}:${h.col} calls ${h.callee}`);
        }
        assert.ok(Math.abs(leg.costs[p] - hops.reduce((a, h) => a + h.cost!, 0)) < 0.05);
        if (p) assert.ok(leg.costs[p - 1] <= leg.costs[p], `costs rise: ${leg.costs}`);
        for (const f of fns) {
          assert.match(lines(f.file).slice(f.line - 1, f.line + 1).join(' '), new RegExp(`\\b${f.name}\\(`), `${f.name} is defined at ${f.file}:${f.line}`);
          const sites = (await engine.fileSites(f.file)).filter((s) => s.function === f.name);
          assert.equal(f.drops, sites.length, `${f.name}: drop sites`);
        }
      }
    };

    test('from ixgbe_poll: IPv4/IPv6 UDP and TCP delivery, ranked by cost, none through a destructor or another transport', async () => {
      const r = await ask('ixgbe_poll');
      assert.equal(r.start, 'napi-poll');
      assert.equal(r.inbound, undefined, 'a NAPI poll function has nothing before it');
      assert.deepEqual(r.to, [...DELIVERY]);
      assert.equal(r.paths.length, 3);
      await wellFormed(r);
      for (let p = 0; p < r.paths.length; p++) {
        const names = chain(r, p);
        assert.equal(names[0], 'ixgbe_poll');
        assert.ok(DELIVERY.has(names[names.length - 1]), `path ${p + 1} ends at ${names[names.length - 1]}`);
        assert.ok(names.some((n) => IP_DELIVERY.includes(n)), `path ${p + 1} passes IP local delivery: ${names.join(' > ')}`);
        for (const h of r.paths[p]) {
          assert.match(h.file, ON_PATH, `path ${p + 1} leaves the receive path at ${h.caller} -> ${h.callee} (${h.file})`);
          assert.doesNotMatch(h.callee, DESTRUCTOR, `path ${p + 1} goes through ${h.callee}`);
        }
      }
      // The drop counts are real: the transport's receive function drops (checksum, no socket, policy).
      const counted = r.functions.flat().filter((f) => f.drops > 0).map((f) => f.name);
      assert.ok(counted.some((n) => /^(tcp_v[46]_rcv|__udp[46]_lib_rcv|udp_queue_rcv_one_skb|ip6?_protocol_deliver_rcu)$/.test(n)), counted.join(', '));
    });

    test('AppleTalk reaches sock_queue_rcv_skb sooner, yet the defaults do not take it', async () => {
      const [direct] = g.rankedPaths('ixgbe_poll', 'sock_queue_rcv_skb', 1);
      const ip = (await ask('ixgbe_poll')).costs[0];
      assert.ok(direct, 'a chain to sock_queue_rcv_skb exists');
      assert.ok(direct.hops.some((h) => !ON_PATH.test(h.file)), `the unconditioned cheapest chain leaves IP: ${direct.hops.map((h) => h.callee).join(' > ')}`);
      assert.ok(direct.cost < ip, `it is cheaper (${direct.cost} < ${ip}): without the IP-delivery condition it would come first`);
    });

    test('from ip_rcv (the middle): NAPI poll -> ip_rcv, and ip_rcv -> socket delivery', async () => {
      const r: ReceivePathResult = await ask('ip_rcv');
      assert.equal(r.start, 'other');
      await wellFormed(r);
      assert.ok(r.paths.length > 0 && r.inbound && r.inbound.paths.length > 0);
      const polls = new Set(napiPollIds(g, idx.knowledge.napiPoll).map((id) => g.nodes[id].name));
      for (let p = 0; p < r.paths.length; p++) {
        const names = chain(r, p);
        assert.equal(names[0], 'ip_rcv');
        assert.ok(DELIVERY.has(names[names.length - 1]), names.join(' > '));
      }
      await wellFormed(r.inbound);
      for (let p = 0; p < r.inbound.paths.length; p++) {
        const names = chain(r.inbound, p);
        assert.ok(polls.has(names[0]), `inbound ${p + 1} starts at a NAPI poll function: ${names[0]}`);
        assert.equal(names[names.length - 1], 'ip_rcv');
      }
    });

    test('from __udp_queue_rcv_skb (socket delivery): only the chains that lead to it', async () => {
      const r = await ask('__udp_queue_rcv_skb');
      assert.equal(r.start, 'socket-delivery');
      assert.deepEqual(r.paths, []);
      assert.deepEqual(r.to, []);
      assert.ok(r.inbound && r.inbound.paths.length > 0);
      await wellFormed(r.inbound);
      for (let p = 0; p < r.inbound.paths.length; p++) {
        const names = chain(r.inbound, p);
        assert.equal(names[names.length - 1], '__udp_queue_rcv_skb');
        assert.ok(names.includes('ip_protocol_deliver_rcu'), names.join(' > '));
      }
    });

    test('netpath path --format svg|dot draws the map the editor draws for the same query', async () => {
      assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
      const cli = (format: string) => spawnSync(process.execPath, [CLI, 'path', 'ixgbe_poll', '__udp_queue_rcv_skb', '--max', '3', '--format', format, '--kernel', root, '--cache', sharedCache()], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const map = buildPathMap(await ask('ixgbe_poll', ['__udp_queue_rcv_skb']));
      const svg = cli('svg');
      assert.equal(svg.status, 0, svg.stderr);
      assert.equal(svg.stdout, svgText(renderPathMap(map).svg));
      assert.match(svg.stdout, /<g class="node best start[^"]*" data-target="\d+">\s*<title>ixgbe_poll, defined at drivers\/net\/ethernet\/intel\/ixgbe\/ixgbe_main\.c:\d+/);
      const dot = cli('dot');
      assert.equal(dot.status, 0, dot.stderr);
      assert.equal(dot.stdout, pathMapDot(map, 'ixgbe_poll -> __udp_queue_rcv_skb'));
      const bad = cli('png');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--format for path is text, dot or svg, not "png"/);
    });

    test('named end points are searched as named: ixgbe_poll -> sock_queue_rcv_skb is the cheapest, whatever it passes', async () => {
      const r = await ask('ixgbe_poll', ['sock_queue_rcv_skb']);
      assert.equal(r.start, undefined);
      assert.deepEqual(r.to, ['sock_queue_rcv_skb']);
      const [direct] = g.rankedPaths('ixgbe_poll', 'sock_queue_rcv_skb', 1);
      assert.equal(r.costs[0], direct.cost);
    });
  });
}
