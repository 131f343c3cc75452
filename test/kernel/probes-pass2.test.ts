// netpath-test: tail
// Generated SystemTap scripts against Debian's real 6.12.117 debug build (the kernel whose
// source the 6.12 tree is): `stap -p2` must resolve every probe point. Drop scripts with and
// without the build's line table (--debuginfo), line probes on goto lines, the receive path and
// each of its hops. Prerequisites (stap, the debug build) fail the test naming the command.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelTree, sharedCache, TEST_SCOPE } from '../helpers/kernels';
import { savedGraph } from '../helpers/saved-graph';
import { debugBuild, type DebugBuild } from '../helpers/debug-build';
import { RECEIVE_DROP_FUNCTIONS } from '../helpers/receive-functions';
import { pass2Problems, probeStatements, requireStap, stapPass2, stapPass2Together, uncountedSites } from '../helpers/stap-pass2';
import { KernelIndex } from '../../server/src/engine/indexer';
import { kernelVersion } from '../../server/src/engine/kernel-tree';
import { generateProbe, type ProbeRequest, type ProbeSources } from '../../server/src/engine/probes/generate';
import { lineTableFor } from '../../server/src/engine/probes/line-table';
import { pickFunction } from '../../server/src/engine/probes/resolve';
import { localStapVersion } from '../../server/src/engine/probes/tool-versions';
import type { GeneratedProbe } from '../../server/src/engine/probes/types';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
const TAP = 'drivers/net/tap.c';
const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');

describe('probe scripts resolve on the real 6.12 build (stap -p2)', () => {
  let root = '';
  let build: DebugBuild;
  let src: ProbeSources;
  let stap = '';
  const probe = (req: ProbeRequest, debuginfo?: string) => generateProbe({ ...src, ...(debuginfo ? { debuginfo } : {}) }, req);
  const resolveAll = async (scripts: GeneratedProbe[]) => {
    const results = await stapPass2Together(build.release, scripts.map((s) => ({ name: s.fileName, text: s.text })));
    assert.equal(results.length, scripts.length);
    const byName = new Map(scripts.map((s) => [s.fileName, s.text]));
    assert.deepEqual(results.flatMap((r) => pass2Problems(r, byName.get(r.name)!)), []);
    return results;
  };
  /** 1-based lines of the goto-drop statements of tap_handle_frame, from the file itself. */
  const tapGotoLines = () => {
    const lines = fs.readFileSync(path.join(root, TAP), 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('rx_handler_result_t tap_handle_frame('));
    const end = lines.findIndex((l, i) => i > start && l === '}');
    return lines.map((l, i) => ({ l, n: i + 1 })).filter(({ l, n }) => n > start && n <= end && /\bgoto drop;/.test(l)).map(({ n }) => n);
  };

  before(async () => {
    requireStap();
    stap = localStapVersion() ?? '';
    assert.ok(stap, 'stap -V printed no version');
    root = kernelTree('6.12');
    build = debugBuild();
    const idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot: sharedCache() });
    // The saved graph and one drop engine for every script (a new engine per function recomputes the counter map).
    const saved = await savedGraph(idx);
    const drops = await saved.drops();
    const graphOf = () => saved.graph;
    // The release of the tree and of the build must be the same kernel, or line numbers lie.
    const version = kernelVersion(root) ?? '';
    assert.ok(build.release.startsWith(`${version}+`), `tree ${version} vs debug build ${build.release}`);
    src = { files: idx.files, kbuild: idx.kbuild, version, graph: graphOf, dropSites: (fn) => drops.sites(fn.name), stapVersion: stap };
  });

  test('the harness is real: a statement probe on a goto line fails pass 2 ("no line records")', async () => {
    const [goto] = tapGotoLines();
    const text = `global n\nprobe module("tap").statement("tap_handle_frame@${TAP}:${goto}") { n++ }\n`;
    const [r] = await stapPass2(build.release, [{ name: 'goto-line', text }]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`no line records for ${TAP.replace(/\./g, '\\.')}:${goto}`));
    assert.deepEqual(pass2Problems(r, text).length, 1);
  });

  test('the line table: tap.ko has statement records for the tests, none for the goto lines', async () => {
    const fn = pickFunction(src, 'tap_handle_frame');
    const table = await lineTableFor(build.dir, fn);
    assert.ok(table, 'tap.ko under the debug build');
    assert.match(table.object, /\/tap\.ko$/);
    for (const n of tapGotoLines()) assert.ok(!table.lines.has(n), `goto line ${n} has no statement record`);
    const conds = fs.readFileSync(path.join(root, TAP), 'utf8').split('\n').map((l, i) => ({ l, n: i + 1 })).filter(({ l, n }) => n > fn.line && n < fn.endLine && /if \(IS_ERR\(segs\)\)/.test(l));
    assert.equal(conds.length, 1);
    assert.ok(table.lines.has(conds[0].n), `if (IS_ERR(segs)) at ${conds[0].n} has one`);
  });

  test('the reason values compared at the labels are the build\'s own enumerators (DWARF of tap.ko)', async () => {
    const ko = (await lineTableFor(build.dir, pickFunction(src, 'tap_handle_frame')))!.object;
    const r = spawnSync('readelf', ['-W', '--debug-dump=info', ko], { encoding: 'utf8', maxBuffer: 256 << 20 });
    assert.equal(r.status, 0, `readelf (binutils): ${r.stderr}`);
    const dwarf = new Map([...r.stdout.matchAll(/DW_AT_name\s*:.*?: SKB_DROP_REASON_(\w+)\n.*DW_AT_const_value\s*: \(\w+\) (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    const p = await probe({ mode: 'drops', function: 'tap_handle_frame' });
    const compared = [...p.text.matchAll(/label drop where \$drop_reason == (\d+) \((\w+)\)/g)].map((m) => [m[2], Number(m[1])] as const);
    assert.ok(compared.length >= 3, `${compared}`);
    for (const [name, value] of compared) assert.equal(value, dwarf.get(name), `SKB_DROP_REASON_${name}`);
  });

  test(`--drops of the receive path's ${RECEIVE_DROP_FUNCTIONS.length} main functions, with and without the line table, resolve; no goto line is probed`, async () => {
    const scripts: GeneratedProbe[] = [];
    for (const name of RECEIVE_DROP_FUNCTIONS) {
      for (const debuginfo of [undefined, build.dir]) {
        const p = await probe({ mode: 'drops', function: name }, debuginfo);
        assert.match(p.text, debuginfo ? /# Probe points checked against the statement line records of / : /# Probe points chosen without the build's line table/);
        // stap 4.8 cannot build the tracepoint for 6.12: left out, saying so.
        assert.doesNotMatch(p.text, /\nprobe kernel\.trace/);
        assert.match(p.text, new RegExp(`# kernel\\.trace\\("skb:kfree_skb"\\) is left out: SystemTap ${stap.replace('.', '\\.')} cannot build`));
        scripts.push({ ...p, fileName: `${debuginfo ? 'dbg-' : ''}${p.fileName}` });
      }
    }
    const gotos = new Set(tapGotoLines().map((n) => `tap_handle_frame@${TAP}:${n}"`));
    for (const p of scripts) assert.deepEqual(p.points.filter((x) => [...gotos].some((g) => x.includes(g))), [], p.fileName);
    // tap's drops count through macvtap_count_rx_dropped, which bumps the header inline
    // macvlan_count_rx: probed in macvtap's object only (pass 2 finds the copy there), never module("*").
    const tap = scripts.find((s) => s.fileName === 'drops-tap_handle_frame.stp')!;
    assert.match(tap.text, /\nprobe module\("macvtap"\)\.function\("macvlan_count_rx@include\/linux\/if_macvlan\.h"\)\.inline\?,\n {6}kernel\.function\("macvlan_count_rx@include\/linux\/if_macvlan\.h"\)\.inline\?\n/);
    for (const p of scripts) assert.doesNotMatch(p.text, /module\("\*"\)/, p.fileName);
    // ip_rcv_core's inhdr_error: this build keeps no DWARF label for it, so the label point is
    // optional and sufficient, and the lines from the label to its statement stand in.
    const ipInput = fs.readFileSync(path.join(root, 'net/ipv4/ip_input.c'), 'utf8').split('\n');
    const coreStart = ipInput.findIndex((l) => /^static struct sk_buff \*ip_rcv_core\(/.test(l));
    const labelLine = ipInput.findIndex((l, i) => i > coreStart && l === 'inhdr_error:') + 1;
    assert.ok(labelLine > 0, 'inhdr_error: in ip_rcv_core');
    const core = scripts.find((s) => s.fileName === 'drops-ip_rcv_core.stp')!;
    const labelPoint = 'kernel.function("ip_rcv_core@net/ipv4/ip_input.c").label("inhdr_error")!';
    const standIn = `kernel.statement("ip_rcv_core@net/ipv4/ip_input.c:${labelLine}-${labelLine + 1}")`;
    assert.ok(core.points.includes(labelPoint) && core.points.includes(standIn), core.points.join('\n'));
    // __udp4_lib_rcv: $drop_reason is not readable at every address of its label.
    const udp = scripts.find((s) => s.fileName === 'drops-__udp4_lib_rcv.stp')!;
    assert.match(udp.text, /if \(@defined\(\$drop_reason\) && \$drop_reason == \d+\) \{/);
    const results = await resolveAll(scripts);
    const [run] = results;
    // With the line table every site sits on a line the build has: none may go uncounted. Without
    // it, a call line GCC merged away is an optional range that counts nothing, and says so.
    const uncounted = results.flatMap((r) => uncountedSites(r, scripts.find((x) => x.fileName === r.name)!.text));
    assert.deepEqual(uncounted.filter((u) => u.startsWith('dbg-')), []);
    for (const u of uncounted) {
      const script = scripts.find((x) => u.startsWith(`${x.fileName}:`))!;
      assert.match(script.text, /optional, so a build that merged the line away leaves it uncounted/, u);
    }
    // What the build really has: no label inhdr_error, so pass 2 placed the statement on the label's line after it.
    assert.match(run.stdout, new RegExp(`kernel\\.statement\\("ip_rcv_core@net/ipv4/ip_input\\.c:${labelLine + 1}"\\)`));
    assert.doesNotMatch(run.stdout, /label\("inhdr_error"\)/);
  });

  test('--line on each goto-drop line of tap_handle_frame resolves: snapped with the line table, the drop label without', async () => {
    const scripts: GeneratedProbe[] = [];
    for (const line of tapGotoLines()) {
      const plain = await probe({ mode: 'line', function: 'tap_handle_frame', line });
      assert.match(plain.text, new RegExp(`# Line ${line} is a goto to drop label drop: .*\\n#   tap\\.c:${line} goto drop: label drop where \\$drop_reason == \\d+`));
      const snapped = await probe({ mode: 'line', function: 'tap_handle_frame', line }, build.dir);
      const m = new RegExp(`# Line ${line} has no statement record in \\S+/tap\\.ko \\(no code of its own, or merged by the optimiser\\): probing line (\\d+), the nearest line that has one\\.`).exec(snapped.text);
      assert.ok(m, snapped.text.split('\n').slice(0, 12).join('\n'));
      assert.ok(snapped.points.includes(`module("tap").statement("tap_handle_frame@${TAP}:${m[1]}")?`));
      scripts.push({ ...plain, fileName: `plain-${plain.fileName}` }, { ...snapped, fileName: `dbg-${snapped.fileName}` });
    }
    assert.equal(scripts.length, 8);
    await resolveAll(scripts);
  });

  test('--path ixgbe_poll __udp_queue_rcv_skb and the function probes of each hop resolve', async () => {
    const p = await probe({ mode: 'path', from: 'ixgbe_poll', to: '__udp_queue_rcv_skb' });
    const hops = [...p.text.matchAll(/^# Hop \d+: (\S+) calls (\S+) at /gm)].map((m) => m[2]);
    assert.ok(hops.length >= 10, `hops ${hops}`);
    assert.equal(hops[hops.length - 1], '__udp_queue_rcv_skb');
    assert.equal(probeStatements(p.text).length, hops.length + 1);
    // Header functions on the path (gro_normal_one, dst_input) are looked up only in the object of
    // the last hop before them that is not in a header (here all in the kernel): pass 2 below must
    // find each copy there.
    const blocks = [...p.text.matchAll(/^# Hop \d+: \S+ calls (\S+) at [^\n]*\nprobe ([^\n]+)/gm)];
    let linked = 'ixgbe_poll';
    let headers = 0;
    for (const [block, callee, point] of blocks) {
      const file = /function\("[^"@]+@([^"]+)"\)/.exec(point)?.[1] ?? '';
      if (!file.endsWith('.h')) {
        linked = callee;
        continue;
      }
      headers++;
      assert.match(block, new RegExp(`a header function, probed where it is inlined into ${linked} \\(`));
      assert.equal(point, `kernel.function("${callee}@${file}").inline?`);
    }
    assert.ok(headers >= 2, `${headers} header hops`);
    assert.doesNotMatch(p.text, /module\("\*"\)/);
    const scripts = [p];
    for (const name of ['ixgbe_poll', ...new Set(hops)]) {
      const fn = p.text.includes(`function("${name}@`) ? /function\("[^"@]+@([^"]+)"\)/.exec(p.text.slice(p.text.indexOf(`function("${name}@`)))![1] : undefined;
      scripts.push(await probe({ mode: 'function', function: name, ...(fn ? { file: fn } : {}) }));
    }
    await resolveAll(scripts);
  });

  test('netpath probe --debuginfo and --stap-version: the CLI writes the checked script, and the tracepoint for SystemTap 5.1', () => {
    assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
    const common = ['--kernel', root, '--scope', SCOPE.join(','), '--cache', sharedCache(), '--quiet'];
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, ...common], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const checked = run(['probe', 'enqueue_to_backlog', '--drops', '--debuginfo', build.dir]);
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stdout, /# Probe points checked against the statement line records of \S+\/vmlinux-/);
    assert.match(checked.stdout, /# {3}dev\.c:\d+ goto cpu_backlog_drop: label cpu_backlog_drop where \$reason == \d+ \(CPU_BACKLOG\)/);
    const newer = run(['probe', 'tap_handle_frame', '--drops', '--stap-version', '5.1']);
    assert.equal(newer.status, 0, newer.stderr);
    assert.match(newer.stdout, /\nprobe kernel\.trace\("skb:kfree_skb"\)\n/);
    assert.doesNotMatch(newer.stdout, /cannot build/);
    const missing = run(['probe', 'tap_handle_frame', '--drops', '--debuginfo', path.join(build.dir, 'no-such-folder')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--debuginfo \S+no-such-folder: no such folder/);
  });
});
