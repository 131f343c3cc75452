// `netpath explain <counter>` on the real 6.1 and 6.12 trees: every name form a user types finds
// the counter, IPv4 and IPv6 apart; the meaning is the tree's own snmp_counter.rst text; the drop
// reason beside RcvbufErrors' increment and its comment are read from the tree; the sites agree
// with `netpath counter-sites`. The name forms are asked of the engine in this process (one drop
// engine, as the CLI makes one per run); the CLI's own output is checked to be the same answer.
import { describe, test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KERNEL_VERSIONS, kernelTree, sharedCache, TEST_SCOPE } from '../helpers/kernels';
import { savedGraph } from '../helpers/saved-graph';
import { KernelIndex } from '../../server/src/engine/indexer';
import type { DropEngine } from '../../server/src/engine/drops/engine';
import { explainCounter } from '../../server/src/engine/drops/explain-counter';
import type { CounterExplanation } from '../../shared/counter-explanation';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');

for (const version of KERNEL_VERSIONS) {
  describe(`netpath explain on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    let engine: DropEngine;
    const netpath = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--kernel', root, '--cache', cache], { encoding: 'utf8', timeout: 600_000 });
    /** The engine's explanation, as JSON carries it (what the CLI prints with --json). */
    const explain = async (name: string): Promise<CounterExplanation> => JSON.parse(JSON.stringify(await explainCounter(engine, name))) as CounterExplanation;
    before(async () => {
      root = kernelTree(version);
      cache = sharedCache();
      const idx = await KernelIndex.open(root, { scope: TEST_SCOPE, cacheRoot: cache });
      engine = await (await savedGraph(idx)).drops();
    });

    test('RcvbufErrors in every form a user types; IPv6 is its own choice', async () => {
      const v4 = await explain('RcvbufErrors');
      // The CLI gives the engine's answer.
      const cli = netpath(['explain', 'RcvbufErrors', '--json']);
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual(JSON.parse(cli.stdout), v4);
      assert.equal(v4.key, 'Udp:RcvbufErrors');
      assert.equal(v4.title, 'IPv4 UDP RcvbufErrors');
      assert.equal(v4.nstat, 'UdpRcvbufErrors');
      assert.equal(v4.twins[0], '/proc/net/snmp6:Udp6RcvbufErrors', 'the IPv6 counter is offered next');
      for (const form of ['UdpRcvbufErrors', 'Udp:RcvbufErrors', 'udprcvbuferrors']) assert.equal((await explain(form)).key, 'Udp:RcvbufErrors', form);
      const v6 = await explain('Udp6RcvbufErrors');
      assert.equal(v6.family, 'IPv6');
      assert.equal(v6.title, 'IPv6 UDP RcvbufErrors');
      assert.ok(v6.sites.length && v6.sites.every((s) => s.file === 'net/ipv6/udp.c'), JSON.stringify(v6.sites));
      const sites = JSON.parse(netpath(['counter-sites', 'RcvbufErrors', '--json']).stdout) as { sites: unknown[] };
      assert.deepEqual(v4.sites, sites.sites);
      assert.equal(v4.definition?.file, 'net/ipv4/proc.c');
      assert.match(v4.definition?.text ?? '', /"RcvbufErrors",\s*UDP_MIB_RCVBUFERRORS/);
    });

    test('the reason stored beside the RcvbufErrors increment, with its comment from the tree', async () => {
      const v4 = await explain('RcvbufErrors');
      const udp = fs.readFileSync(path.join(root, 'net/ipv4/udp.c'), 'utf8').split('\n');
      const inc = v4.sites.find((s) => s.function === '__udp_queue_rcv_skb');
      assert.ok(inc, JSON.stringify(v4.sites));
      // The lines after the increment, up to the block's end, store the reason.
      const block = udp.slice(inc.line - 1, inc.line + 4).join('\n');
      const stored = /drop_reason = (SKB_DROP_REASON_\w+)/.exec(block)?.[1];
      assert.equal(stored, 'SKB_DROP_REASON_SOCKET_RCVBUFF', block);
      const r = v4.reasons.find((x) => x.name === stored);
      assert.ok(r, JSON.stringify(v4.reasons));
      assert.deepEqual(r.sites, [`net/ipv4/udp.c:${inc.line}`]);
      const header = ['include/net/dropreason-core.h', 'include/net/dropreason.h'].find((h) => fs.existsSync(path.join(root, h)))!;
      const text = fs.readFileSync(path.join(root, header), 'utf8');
      const comment = new RegExp(`/\\*\\* @${stored}: ([^*]+?)\\s*\\*/`).exec(text)?.[1];
      assert.ok(comment && r.text?.startsWith(comment.trim()), `${r.text} vs ${comment}`);
      assert.ok(!v4.reasons.some((x) => x.name === 'SKB_DROP_REASON_PROTO_MEM'), 'PROTO_MEM goes with MemErrors, not RcvbufErrors');
      assert.equal(v4.next[0], 'netpath probe __udp_queue_rcv_skb --drops --format bpftrace');
    });

    test('the meaning comes from Documentation/networking/snmp_counter.rst when the tree documents it', async () => {
      const doc = fs.readFileSync(path.join(root, 'Documentation/networking/snmp_counter.rst'), 'utf8').split('\n');
      const head = doc.findIndex((l) => l === '* IpInDiscards');
      assert.ok(head >= 0);
      const x = await explain('IpInDiscards');
      assert.equal(x.key, 'Ip:InDiscards');
      assert.equal(x.doc?.line, head + 1);
      assert.ok(x.doc?.text.includes(doc.slice(head + 1).find((l) => l.trim())!.replace(/`([^`<]+?)`_/g, '$1').trim()), x.doc?.text);
      const md = netpath(['explain', 'IpInDiscards']);
      assert.equal(md.status, 0, md.stderr);
      assert.match(md.stdout, /^# IPv4 IP InDiscards\n/);
      assert.match(md.stdout, /From Documentation\/networking\/snmp_counter\.rst:\d+:/);
    });

    test('a device counter for one driver: its own sites first, then the core, then other drivers', async () => {
      type Grouped = { driver: { name: string; files: number }; sites: Array<{ file: string; line: number; group: string }> };
      // veth through the CLI; loopback of the engine in this process.
      const sites = async (driver: string): Promise<Grouped> => {
        if (driver === 'loopback') return JSON.parse(JSON.stringify(await engine.counterSites('rx_dropped', { driver }))) as Grouped;
        const r = netpath(['counter-sites', 'rx_dropped', '--driver', driver, '--json']);
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as Grouped;
      };
      // veth.c's own rx_dropped lines, read from the tree.
      const veth = fs.readFileSync(path.join(root, 'drivers/net/veth.c'), 'utf8').split('\n').flatMap((l, i) => (/rx_dropped\s*(\+=|\+\+)|rx_dropped_inc/.test(l) ? [i + 1] : []));
      const v = await sites('veth');
      assert.deepEqual(v.driver, { name: 'veth', files: 1 });
      const mine = v.sites.filter((s) => s.group === 'driver');
      assert.ok(mine.length >= 1 && mine.every((s) => s.file === 'drivers/net/veth.c' && veth.includes(s.line)), JSON.stringify(mine));
      const groups = v.sites.map((s) => s.group);
      assert.deepEqual([...new Set(groups)], ['driver', 'core', 'other'], 'grouped in order');
      assert.ok(v.sites.filter((s) => s.group === 'core').every((s) => /^(net\/core|net\/ethernet|include)\//.test(s.file)));
      assert.ok(v.sites.filter((s) => s.group === 'other').length > 50, 'every other driver still listed, last');
      // lo has no rx_dropped line of its own: the backlog's drop in net/core/dev.c leads.
      const lo = await sites('loopback');
      assert.equal(lo.sites.filter((s) => s.group === 'driver').length, 0);
      assert.ok(lo.sites.slice(0, 4).some((s) => s.file === 'net/core/dev.c'), JSON.stringify(lo.sites.slice(0, 4)));
      const bad = netpath(['counter-sites', 'rx_dropped', '--driver', 'x;rm -rf /']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--driver takes a driver's module name/);
    });

    test('every counter command takes every name form: counter-sites and explain agree on each', async () => {
      const forms: Array<[string, string]> = [
        ...['RcvbufErrors', 'Udp:RcvbufErrors', 'Udp RcvbufErrors', 'UdpRcvbufErrors', 'udprcvbuferrors', '/proc/net/snmp:RcvbufErrors'].map((f): [string, string] => [f, 'Udp:RcvbufErrors']),
        ...['Udp6RcvbufErrors', 'Udp6:RcvbufErrors', 'Udp6 RcvbufErrors', '/proc/net/snmp6:Udp6RcvbufErrors'].map((f): [string, string] => [f, '/proc/net/snmp6:Udp6RcvbufErrors']),
        ...['time_squeeze', '/proc/net/softnet_stat:time_squeeze'].map((f): [string, string] => [f, '/proc/net/softnet_stat:time_squeeze']),
        ['TcpExtTCPBacklogDrop', 'TcpExt:TCPBacklogDrop'], ['TcpExt TCPBacklogDrop', 'TcpExt:TCPBacklogDrop'], ['rx_dropped', 'rx_dropped'],
      ];
      const v4 = await engine.counterSites('Udp:RcvbufErrors');
      for (const [form, key] of forms) {
        const sites = await engine.counterSites(form);
        assert.equal(sites.key, key, form);
        assert.equal((await explain(form)).key, key, form);
        if (key === 'Udp:RcvbufErrors') assert.deepEqual(sites.sites, v4.sites, form);
      }
      assert.ok(v4.sites.length >= 2 && v4.sites.every((s) => s.file === 'net/ipv4/udp.c'), JSON.stringify(v4.sites));
      // A plain name shared by IPv4 and IPv6: IPv4 chosen, the IPv6 counters named.
      assert.deepEqual((await engine.counterSites('RcvbufErrors')).also, ['/proc/net/snmp6:Udp6RcvbufErrors', '/proc/net/snmp6:UdpLite6RcvbufErrors']);
      // A plain name of different protocols: both commands refuse, naming every candidate.
      const candidates = ['Tcp:InCsumErrors', 'Udp:InCsumErrors', 'IpExt:InCsumErrors'];
      for (const run of [() => engine.counterSites('InCsumErrors'), () => explainCounter(engine, 'InCsumErrors')]) {
        await assert.rejects(run(), (e: Error) => /^counter "InCsumErrors" is ambiguous: name one of /.test(e.message) && candidates.every((c) => e.message.includes(`${c} (`)));
      }
      // A part of a name is not taken, only suggested.
      await assert.rejects(explainCounter(engine, 'RcvbufErr'), /no counter named "RcvbufErr" in the counter map of this tree; names containing it: Udp:RcvbufErrors/);
    });

    test('an unknown counter is a clear error', () => {
      const r = netpath(['explain', 'NoSuchCounterAnywhere']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no counter named "NoSuchCounterAnywhere"/);
    });
  });
}

// The name forms through the real CLI, as a user types them, on the 6.12 tree: the engine above
// answers every form for both commands; here each command takes the nstat form and the
// space-separated one, IPv4 and IPv6, and refuses an ambiguous plain name (one process each).
describe('netpath counter-sites and explain take every name form (the CLI, Linux 6.12)', () => {
  let root = '';
  const netpath = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--kernel', root, '--cache', sharedCache()], { encoding: 'utf8', timeout: 600_000 });
  before(() => {
    root = kernelTree('6.12');
  });

  test('IPv4 and IPv6 RcvbufErrors in each form; an ambiguous plain name refused by both, naming the candidates', () => {
    const V6 = '/proc/net/snmp6:Udp6RcvbufErrors';
    const cases: Array<[string, string, string]> = [
      ['counter-sites', 'UdpRcvbufErrors', 'Udp:RcvbufErrors'], ['counter-sites', 'Udp6 RcvbufErrors', V6],
      ['explain', 'Udp RcvbufErrors', 'Udp:RcvbufErrors'], ['explain', 'Udp6RcvbufErrors', V6],
    ];
    for (const [cmd, form, key] of cases) {
      const r = netpath([cmd, form, '--json']);
      assert.equal(r.status, 0, `${cmd} ${form}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { key: string; sites?: Array<{ file: string }> };
      assert.equal(out.key, key, `${cmd} ${form}`);
      if (cmd === 'counter-sites') {
        const file = key === V6 ? 'net/ipv6/udp.c' : 'net/ipv4/udp.c';
        assert.ok(out.sites!.length > 0 && out.sites!.every((s) => s.file === file), JSON.stringify(out.sites));
      }
    }
    for (const cmd of ['counter-sites', 'explain']) {
      const r = netpath([cmd, 'InCsumErrors']);
      assert.equal(r.status, 1, `${cmd} InCsumErrors: ${r.stdout.slice(0, 300)}`);
      // The refusal is the last line (a line about waiting for another writer of the cache may come first).
      assert.match(r.stderr.trimEnd().split('\n').pop()!, /^netpath: counter "InCsumErrors" is ambiguous: name one of .*Tcp:InCsumErrors \(IPv4 TCP InCsumErrors\).*Udp:InCsumErrors \(IPv4 UDP InCsumErrors\)/);
    }
  });
});
