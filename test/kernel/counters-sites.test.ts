// A live counter, read from this machine's /proc, linked to the kernel lines that increment it:
// the panel's CounterSitesRequest to the real language server (dist/server.js) on the real 6.1
// and 6.12 trees. Expected lines are found in each tree's own text, never hard-coded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-jsonrpc/node';
import { CounterSitesRequest, ExplainCounterRequest, type CounterSitesResult, type ExplainCounterResult } from '../../shared/protocol';
import { readLocalSnapshot } from '../../live-counters/local-feed';
import { CounterModel } from '../../live-counters/model';
import { sitesName } from '../../live-counters/site-names';
import { KERNEL_VERSIONS, TEST_SCOPE, kernelTree, sharedCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;

/** 1-based lines of `rel` whose text matches `re`. */
function linesMatching(root: string, rel: string, re: RegExp): number[] {
  return fs.readFileSync(path.join(root, rel), 'utf8').split('\n').flatMap((l, i) => (re.test(l) ? [i + 1] : []));
}

for (const version of KERNEL_VERSIONS) {
  describe(`counter sites on Linux ${version}`, () => {
    let root: string;
    let cache: string;
    let lsp: LspServer;

    before(async () => {
      root = kernelTree(version);
      cache = sharedCache();
      lsp = await LspServer.start(root, { scope: SCOPE, cacheDirectory: cache });
      await lsp.ready();
    });

    after(async () => {
      await lsp.stop();
      // The shared cache stays for the next test file.
    });

    test('snmp.Udp.RcvbufErrors of the live host lists the UDP_MIB_RCVBUFERRORS increments in udp.c', async () => {
      const sample = new CounterModel().update(await readLocalSnapshot());
      const live = sample.readings.find((r) => r.key === 'snmp.Udp.RcvbufErrors');
      assert.ok(live, 'this machine\'s /proc/net/snmp has Udp RcvbufErrors');
      const name = sitesName(live.counter);
      assert.equal(name, 'Udp:RcvbufErrors');
      const r: CounterSitesResult = await lsp.connection.sendRequest(CounterSitesRequest.method, { counter: name });
      assert.equal(r.file, '/proc/net/snmp');
      assert.equal(r.mib, 'UDP_MIB_RCVBUFERRORS');
      const expected = linesMatching(root, 'net/ipv4/udp.c', /UDP_MIB_RCVBUFERRORS/);
      assert.ok(expected.length >= 2);
      const inUdp = r.sites.filter((s) => s.file === 'net/ipv4/udp.c');
      assert.deepEqual(inUdp.map((s) => s.line).sort((a, b) => a - b), expected, 'every increment in udp.c, at its line in this tree');
      for (const s of inUdp) assert.equal(s.uri, pathToFileURL(path.join(root, s.file)).toString());
    });

    test('every receive-path drop or error counter of the live host links to code the drop-site engine knows', async () => {
      const sample = new CounterModel().update(await readLocalSnapshot());
      // This machine may run a newer kernel than the tree: a TcpExt/IpExt field the tree does not
      // print cannot be linked (the panel says so). Icmp rows come from icmpmibmap, not an
      // SNMP_MIB_ITEM table, and MPTcpExt from net/mptcp (out of this scope): left out here.
      const procText = fs.readFileSync(path.join(root, 'net/ipv4/proc.c'), 'utf8');
      const wanted = sample.readings.filter((r) => {
        const c = r.counter;
        if (!r.drop || (c.source === 'softnet' && c.name === 'cpu_collision')) return false;
        if (c.source === 'snmp') return ['Ip', 'Udp', 'UdpLite', 'Tcp'].includes(c.group);
        if (c.source === 'netstat') return ['TcpExt', 'IpExt'].includes(c.group) && procText.includes(`"${c.name}"`);
        return ['softnet', 'snmp6', 'sys', 'dev', 'udp', 'udp6'].includes(c.source);
      });
      const names = [...new Set(wanted.map((r) => sitesName(r.counter)).filter((n): n is string => !!n))].sort();
      assert.ok(names.length > 30, `${names.length} names`);
      const unknown: string[] = [];
      for (const counter of names) {
        try {
          await lsp.connection.sendRequest(CounterSitesRequest.method, { counter });
        } catch (e) {
          unknown.push(`${counter}: ${(e as Error).message}`);
        }
      }
      assert.deepEqual(unknown, []);
    });

    test('the panel\'s request and Explain counter take every name form, as the CLI does; an ambiguous one names the candidates', async () => {
      const v4: CounterSitesResult = await lsp.connection.sendRequest(CounterSitesRequest.method, { counter: 'Udp:RcvbufErrors' });
      for (const counter of ['RcvbufErrors', 'Udp RcvbufErrors', 'UdpRcvbufErrors', 'udp:rcvbuferrors']) {
        const r: CounterSitesResult = await lsp.connection.sendRequest(CounterSitesRequest.method, { counter });
        assert.equal(r.key, 'Udp:RcvbufErrors', counter);
        assert.deepEqual(r.sites, v4.sites, counter);
        const x = (await lsp.connection.sendRequest(ExplainCounterRequest.method, { counter })) as ExplainCounterResult;
        assert.equal(x.key, 'Udp:RcvbufErrors', counter);
      }
      for (const counter of ['Udp6RcvbufErrors', 'Udp6:RcvbufErrors', 'Udp6 RcvbufErrors']) {
        const r: CounterSitesResult = await lsp.connection.sendRequest(CounterSitesRequest.method, { counter });
        assert.equal(r.key, '/proc/net/snmp6:Udp6RcvbufErrors', counter);
        assert.deepEqual([...new Set(r.sites.map((s) => s.file))], ['net/ipv6/udp.c'], counter);
      }
      for (const method of [CounterSitesRequest.method, ExplainCounterRequest.method]) {
        await assert.rejects(lsp.connection.sendRequest(method, { counter: 'InCsumErrors' }), (e: unknown) => {
          assert.ok(e instanceof ResponseError);
          assert.match(e.message, /^counter "InCsumErrors" is ambiguous: name one of .*Tcp:InCsumErrors \(IPv4 TCP InCsumErrors\)/);
          return true;
        });
      }
    });

    test('an unknown counter is a clear error, not a crash', async () => {
      await assert.rejects(lsp.connection.sendRequest(CounterSitesRequest.method, { counter: 'Udp:NoSuchCounter' }), (e: unknown) => {
        assert.ok(e instanceof ResponseError);
        assert.match(e.message, /no counter named "Udp:NoSuchCounter"/);
        return true;
      });
      const again: CounterSitesResult = await lsp.connection.sendRequest(CounterSitesRequest.method, { counter: 'Udp:InErrors' });
      assert.ok(again.sites.length > 0, 'the server still answers');
    });
  });
}
