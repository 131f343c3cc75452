// Scripts fitted to a host, on the real 6.12 tree, checked for real: this machine's facts
// (`--host local`, collected by the same script ssh runs) for the tap_handle_frame drop script and
// the ixgbe_poll -> __udp_queue_rcv_skb path in both formats, which must still pass `stap -p2`
// against Debian's 6.12.117 debug build and `bpftrace -d`; and the debug build's own System.map as
// the target's kallsyms, whose release is the tree's, so the facts decide the points (real clone
// names, `.inline` for functions it lacks) and pass 2 must place every one of them.
import { before, describe, test } from 'node:test';
import { useTracefs } from '../helpers/live-session';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_SCOPE, kernelTree, sharedCache } from '../helpers/kernels';
import { debugBuild, type DebugBuild } from '../helpers/debug-build';
import { pass2Problems, requireStap, stapPass2Together } from '../helpers/stap-pass2';
import { KernelIndex } from '../../server/src/engine/indexer';
import { AnalysisHost } from '../../server/src/engine/analysis/snapshot';
import { kernelVersion } from '../../server/src/engine/kernel-tree';
import { generateProbe, type ProbeRequest, type ProbeSources } from '../../server/src/engine/probes/generate';
import { collectHostFacts } from '../../server/src/engine/probes/host-collect';
import { parseKallsyms } from '../../server/src/engine/probes/kallsyms';
import { targetFromHost, type TargetFacts } from '../../server/src/engine/probes/target';
import { localStapVersion } from '../../server/src/engine/probes/tool-versions';
import { ProbeError, type GeneratedProbe, type ProbeFormat } from '../../server/src/engine/probes/types';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
const TAP_DROPS: ProbeRequest = { mode: 'drops', function: 'tap_handle_frame' };
const PATH: ProbeRequest = { mode: 'path', from: 'ixgbe_poll', to: '__udp_queue_rcv_skb' };

function bpftraceProblems(scripts: GeneratedProbe[], dir: string): string[] {
  const problems: string[] = [];
  for (const s of scripts) {
    const file = path.join(dir, s.fileName);
    fs.writeFileSync(file, s.text);
    const runs = [['-d'], ...(s.points.some((p) => p.startsWith('kprobe:')) ? [['--emit-elf', `${file}.o`]] : [])];
    for (const args of runs) {
      const r = spawnSync('bpftrace', [...args, file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
      if (r.status !== 0) problems.push(`${s.fileName}: bpftrace ${args[0]} exit ${r.status}: ${r.stderr.split('\n').filter((l) => /ERROR|error:/.test(l) && !/RLIMIT_MEMLOCK/.test(l)).join(' | ')}`);
    }
  }
  return problems;
}

describe('probe scripts fitted to a host, on the real 6.12 tree', () => {
  // bpftrace -d checks the kfree_skb tracepoint against tracefs.
  useTracefs();
  let src: ProbeSources;
  let build: DebugBuild;
  let version = '';
  let dir = '';
  const probe = (target: TargetFacts, req: ProbeRequest, format: ProbeFormat = 'stap') => generateProbe({ ...src, target }, req, format);
  const pass2 = async (scripts: GeneratedProbe[]) => {
    const results = await stapPass2Together(build.release, scripts.map((s) => ({ name: s.fileName, text: s.text })));
    const byName = new Map(scripts.map((s) => [s.fileName, s.text]));
    return results.flatMap((r) => pass2Problems(r, byName.get(r.name)!));
  };

  before(async () => {
    requireStap();
    const bt = spawnSync('bpftrace', ['-V'], { encoding: 'utf8' });
    assert.ok(!bt.error && bt.status === 0, `prerequisite missing: bpftrace (Debian package bpftrace; scripts/setup-system.sh installs it): ${bt.error?.message ?? bt.stderr}`);
    build = debugBuild();
    const root = kernelTree('6.12');
    version = kernelVersion(root) ?? '';
    assert.ok(build.release.startsWith(`${version}+`), `tree ${version} vs debug build ${build.release}`);
    const idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot: sharedCache() });
    // As the CLI does: the call graph saved beside the index is loaded (built and saved the first time).
    const host = new AnalysisHost({ log: () => undefined });
    host.setIndex(idx);
    const analysis = host.analysis()!;
    // The SystemTap the script is for, when the target's facts do not say (a kallsyms copy): this machine's, as the CLI does.
    src = { files: idx.files, kbuild: idx.kbuild, version, graph: () => analysis.graph(), dropSites: async (fn) => (await analysis.drops()).sites(fn.name), stapVersion: localStapVersion() };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-host-'));
  });

  test('--host local: this machine\'s facts, both formats; stap -p2 on the 6.12 build and bpftrace -d accept the scripts', async () => {
    const { facts } = await collectHostFacts('local');
    assert.equal(facts.release, os.release());
    const local = targetFromHost(facts);
    const stap = [await probe(local, TAP_DROPS), await probe(local, PATH)];
    const [drops] = stap;
    // Header: the facts, the version guard (this machine does not run the tree's kernel), the host's SystemTap.
    assert.match(drops.text, new RegExp(`\\n# Fitted to host local \\(uname -r ${os.release().replace(/[.+]/g, '\\$&')}\\), facts collected \\d{4}-`));
    assert.match(drops.text, new RegExp(`\\n# WARNING: the target runs ${os.release().replace(/[.+]/g, '\\$&')}, but the indexed tree is Linux ${version.replace(/\./g, '\\.')}`));
    assert.match(drops.text, /\n# host local has SystemTap 4\.8\.\n/);
    assert.match(drops.text, new RegExp(`\\n# kernel\\.trace\\("skb:kfree_skb"\\) is left out: SystemTap 4\\.8 cannot build tracepoint probes for Linux ${os.release().replace(/[.+]/g, '\\$&')}`));
    // This kernel has tap built in (kallsyms lists it without a module): the host's kernel is added to Kbuild's module("tap").
    assert.ok(facts.kallsyms.table!.get('tap_handle_frame')?.includes('tap_handle_frame'), 'tap_handle_frame is built into this kernel');
    assert.match(drops.text, /\n# {3}tap_handle_frame: kernel: host local's kallsyms lists it without a module\n/);
    assert.match(drops.text, /\nprobe module\("tap"\)\.function\("tap_handle_frame@drivers\/net\/tap\.c"\)\.call\?,\n {6}kernel\.function\("tap_handle_frame@drivers\/net\/tap\.c"\)\.call\?\n/);
    assert.deepEqual(await pass2(stap), []);

    // bpftrace: this kernel has no kprobes, so the path has nothing to attach and says so; the
    // drop script keeps only the tracepoint. As for a host with kprobes, both pass bpftrace -d.
    // Where the host said so depends on the machine: its tracefs when mounted, else its kernel config.
    assert.equal(local.trace?.kprobes, false);
    assert.match(local.trace!.source, /^host local's (tracefs \(\/sys\/kernel\/tracing\)|kernel config \(.+\))$/);
    const because = `${local.trace!.source} has no kprobe_events`;
    await assert.rejects(probe(local, PATH, 'bpftrace'), (e) => e instanceof ProbeError && /no bpftrace probe on the path from ixgbe_poll/.test(e.message) && e.message.includes(because));
    const btDrops = await probe(local, TAP_DROPS, 'bpftrace');
    assert.deepEqual(btDrops.points, ['tracepoint:skb:kfree_skb']);
    assert.match(btDrops.text, /\n\/\/ host local has bpftrace 0\.17\.0\.\n/);
    const withKprobes: TargetFacts = { ...local, trace: { ...local.trace!, kprobes: true, source: 'a target with kprobes' } };
    const btPath = await probe(withKprobes, PATH, 'bpftrace');
    // __udp_queue_rcv_skb has no symbol here while udp.c's other functions do: inlined, left out of the kprobes, said so.
    assert.ok(!facts.kallsyms.table!.has('__udp_queue_rcv_skb') && facts.kallsyms.table!.has('udp_queue_rcv_one_skb'));
    assert.match(btPath.text, /__udp_queue_rcv_skb: left out: the target has no symbol for it \(GCC inlined it into its callers\)/);
    assert.ok(!btPath.points.includes('kprobe:__udp_queue_rcv_skb'));
    const btTap = await probe(withKprobes, TAP_DROPS, 'bpftrace');
    assert.ok(btTap.points.includes('kprobe:tap_handle_frame') && btTap.points.includes('kprobe:macvtap_count_rx_dropped'), btTap.points.join(' '));
    assert.deepEqual(bpftraceProblems([btDrops, btPath, btTap], dir), []);
  });

  test('the debug build\'s own System.map as kallsyms: real clone names and .inline, every point placed by stap -p2', async () => {
    const map = path.join(build.dir, 'usr/lib/debug/boot', `System.map-${build.release}`);
    assert.ok(fs.existsSync(map), `prerequisite missing: ${map} (scripts/fetch-debug-build.sh)`);
    const table = parseKallsyms(fs.readFileSync(map, 'utf8'));
    const target: TargetFacts = { source: `System.map-${build.release}`, release: build.release, kallsyms: table };
    // What the map says of the functions the assertions below rely on.
    assert.deepEqual(table.get('__netif_receive_skb_core'), ['__netif_receive_skb_core.constprop.0']);
    assert.equal(table.get('__udp_queue_rcv_skb'), undefined);
    const pathScript = await probe(target, PATH);
    const coreDrops = await probe(target, { mode: 'drops', function: '__netif_receive_skb_core' });
    const udpFn = await probe(target, { mode: 'function', function: '__udp_queue_rcv_skb' });
    const coreFn = await probe(target, { mode: 'function', function: '__netif_receive_skb_core' });
    assert.doesNotMatch(pathScript.text, /WARNING/);
    assert.match(pathScript.text, /\nprobe kernel\.function\("__udp_queue_rcv_skb@net\/ipv4\/udp\.c"\)\.inline\n/);
    assert.match(udpFn.text, /\n# The target has no symbol for it \(GCC inlined it into its callers\): probed with \.inline where it was inlined, and no return probe\.\n/);
    assert.match(coreFn.text, /\nprobe kernel\.function\("__netif_receive_skb_core\.constprop\.0"\)\n/);
    assert.match(coreFn.text, /\nprobe kernel\.function\("__netif_receive_skb_core\.constprop\.0"\)\.return\n/);
    assert.match(coreDrops.text, /\n# {3}__netif_receive_skb_core: only as __netif_receive_skb_core\.constprop\.0 on the target \(a GCC clone\): probed by that name\n/);
    // The path's points (module("*") for its header functions) take stap half a minute to look up: the
    // first test resolves that script already; here the two functions whose points the facts changed.
    assert.deepEqual(await pass2([udpFn, coreFn]), []);
    // bpftrace for the same target: kprobes by the clone's real name; the inlined function has none.
    const kp: TargetFacts = { ...target, trace: { kprobes: true, source: 'a target with kprobes' } };
    const bt = await probe(kp, { mode: 'function', function: '__netif_receive_skb_core' }, 'bpftrace');
    assert.deepEqual(bt.points, ['kprobe:__netif_receive_skb_core.constprop.0', 'kretprobe:__netif_receive_skb_core.constprop.0']);
    const callers = await probe(kp, { mode: 'function', function: '__udp_queue_rcv_skb' }, 'bpftrace');
    assert.ok(callers.points.includes('kprobe:udp_queue_rcv_one_skb'), callers.points.join(' '));
    assert.deepEqual(bpftraceProblems([bt, callers], dir), []);
  });
});
