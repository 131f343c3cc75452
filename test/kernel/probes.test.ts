// SystemTap probe generation on the real 6.1 and 6.12 trees: the probe points chosen for known
// functions, every script for the canonical receive path checked by `stap -p1`, golden script
// texts, and the `netpath probe` CLI. stap is required: without it these tests fail, naming it.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { savedGraph } from '../helpers/saved-graph';
import { KERNEL_VERSIONS, type KernelVersion, TEST_SCOPE, kernelTree, sharedCache } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { kernelVersion } from '../../server/src/engine/kernel-tree';
import { generateProbe, type ProbeRequest, type ProbeSources } from '../../server/src/engine/probes/generate';
import { calleeFunction, dropReasons, functionAt } from '../../server/src/engine/probes/resolve';
import { ProbeError, type GeneratedProbe } from '../../server/src/engine/probes/types';
import { DropEngine } from '../../server/src/engine/drops/engine';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
/** The canonical receive path, as segments joined end to end through the call graph. */
const CANONICAL = ['ixgbe_poll', 'ixgbe_clean_rx_irq', 'napi_gro_receive', 'ip_rcv', 'udp_rcv', '__udp_queue_rcv_skb'];
/** Files whose every drop site gets a "which drop site fires?" script. */
const DROP_FILES = ['drivers/net/tap.c', 'net/ipv4/udp.c', 'net/core/dev.c'];
/** stap runs at once: pass 1 is short and mostly process start-up. */
const STAP_JOBS = 3;

// ---- stap -p1 harness (recipe: ../shared/notes/systemtap.md) --------------------------------

function requireStap(): string {
  const r = spawnSync('stap', ['-V'], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, `prerequisite missing: stap (Debian package systemtap; scripts/setup-system.sh installs it): ${r.error?.message ?? r.stderr}`);
  return 'stap';
}

/** A stand-in kernel build folder: pass 1 needs one, and nothing in it but the release and .config. */
function stapStub(version: KernelVersion): string {
  const config = `/usr/src/linux-config-${version}/config.amd64_none_amd64.xz`;
  assert.ok(fs.existsSync(config), `prerequisite missing: ${config} (Debian package linux-config-${version}, installed with linux-source-${version})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `netpath-stap-${version}-`));
  fs.mkdirSync(path.join(dir, 'include', 'config'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'include', 'config', 'kernel.release'), `${version}.0-netpath-stub\n`);
  fs.writeFileSync(path.join(dir, 'Module.symvers'), '');
  const r = spawnSync('xz', ['-dc', config], { maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `xz -dc ${config}: ${r.stderr}`);
  fs.writeFileSync(path.join(dir, '.config'), r.stdout);
  return dir;
}

interface StapResult { name: string; code: number | null; stderr: string }

/** `stap -p1` on every script, STAP_JOBS at a time; resolves with each exit code and stderr. */
async function stapParse(stub: string, scripts: Array<{ name: string; text: string }>): Promise<StapResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-stp-'));
  const results: StapResult[] = [];
  let next = 0;
  const one = (name: string, text: string) => new Promise<StapResult>((resolve) => {
    const file = path.join(dir, `${results.length + next}-${name.replace(/[^\w.-]/g, '_')}.stp`);
    fs.writeFileSync(file, text);
    const child = spawn('stap', ['-p1', '-r', stub, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ name, code, stderr });
    });
  });
  const worker = async () => {
    while (next < scripts.length) {
      const s = scripts[next++];
      results.push(await one(s.name, s.text));
    }
  };
  try {
    await Promise.all(Array.from({ length: STAP_JOBS }, worker));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

function assertAllParse(results: StapResult[], expected: number): void {
  assert.equal(results.length, expected);
  const bad = results.filter((r) => r.code !== 0);
  assert.deepEqual(bad.map((r) => `${r.name}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(0, 4).join(' | ')}`), []);
}

// ---- golden scripts ---------------------------------------------------------------------------

/** Line numbers and the point release shift between Debian updates; they are checked separately. */
function normalise(text: string, version: string): string {
  return text.split(version).join('<version>').replace(/(\.[ch]):\d+/g, '$1:<line>').replace(/\bline \d+/g, 'line <line>');
}

function checkGoldenScript(version: KernelVersion, name: string, text: string): void {
  const file = path.join(__dirname, '..', 'golden', version, `probe-${name}.stp`);
  if (process.env.NETPATH_UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.ok(fs.existsSync(file), `golden file ${file} is missing; write it with NETPATH_UPDATE_GOLDEN=1 and review it`);
  assert.equal(text, fs.readFileSync(file, 'utf8'), `probe script ${name} changed; if intended, update with NETPATH_UPDATE_GOLDEN=1 and review the diff`);
}

/** 1-based line of the first line at or after `from` matching `re`. */
function lineOf(root: string, rel: string, re: RegExp, from = 1): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l, n) => n + 1 >= from && re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel} after line ${from}`);
  return i + 1;
}

function netpath(args: string[]) {
  assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

test('the stap -p1 harness fails a script with a syntax error', async () => {
  requireStap();
  const stub = stapStub('6.1');
  try {
    const [r] = await stapParse(stub, [{ name: 'broken', text: 'probe kernel.function("f") {\n  x = \n}\n' }]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /parse error/);
    const [ok] = await stapParse(stub, [{ name: 'fine', text: 'probe begin { exit() }\n' }]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    fs.rmSync(stub, { recursive: true, force: true });
  }
});

for (const version of KERNEL_VERSIONS) {
  describe(`probe generation on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    let stub = '';
    let idx: KernelIndex;
    let graph: CallGraph | undefined;
    let drops: DropEngine;
    let src: ProbeSources;
    let release = '';
    const probe = (req: ProbeRequest) => generateProbe(src, req);

    before(async () => {
      requireStap();
      root = kernelTree(version);
      cache = sharedCache();
      stub = stapStub(version);
      idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot: cache });
      release = kernelVersion(root) ?? '';
      // The saved graph and one drop engine for every script (a new engine per function recomputes the counter map).
      const saved = await savedGraph(idx);
      graph = saved.graph;
      drops = await saved.drops();
      const graphOf = () => graph!;
      src = { files: idx.files, kbuild: idx.kbuild, version: release, graph: graphOf, dropSites: (fn) => drops.sites(fn.name) };
    });
    after(() => {
      // The shared cache stays for the next test file.
      fs.rmSync(stub, { recursive: true, force: true });
    });

    test('module or kernel from Kbuild, with ? alternatives where the object may be built in', async () => {
      const tap = await probe({ mode: 'function', function: 'tap_handle_frame' });
      assert.deepEqual(tap.points, [
        'module("tap").function("tap_handle_frame@drivers/net/tap.c").call?',
        'kernel.function("tap_handle_frame@drivers/net/tap.c").call?',
        'module("tap").function("tap_handle_frame@drivers/net/tap.c").return?',
        'kernel.function("tap_handle_frame@drivers/net/tap.c").return?',
      ]);
      const macvtap = await probe({ mode: 'function', function: 'macvtap_count_rx_dropped' });
      assert.equal(macvtap.points[0], 'module("macvtap").function("macvtap_count_rx_dropped@drivers/net/macvtap.c")?');
      const ixgbe = await probe({ mode: 'function', function: 'ixgbe_poll' });
      assert.deepEqual(ixgbe.points.slice(0, 2), [
        'module("ixgbe").function("ixgbe_poll@drivers/net/ethernet/intel/ixgbe/ixgbe_main.c").call?',
        'kernel.function("ixgbe_poll@drivers/net/ethernet/intel/ixgbe/ixgbe_main.c").call?',
      ]);
      // net/ipv4 is obj-y: one point, not optional, so stap says so if it is missing.
      const ipRcv = await probe({ mode: 'function', function: 'ip_rcv' });
      assert.deepEqual(ipRcv.points, ['kernel.function("ip_rcv@net/ipv4/ip_input.c").call', 'kernel.function("ip_rcv@net/ipv4/ip_input.c").return']);
      assert.match(ipRcv.text, new RegExp(`ip_input\\.c:${lineOf(root, 'net/ipv4/ip_input.c', /^int ip_rcv\(/)}, built into the kernel`));
    });

    test('static inline functions get .inline and no .return; static ones clone wildcards', async () => {
      const inl = await probe({ mode: 'function', function: '__netif_receive_skb_list_ptype' });
      assert.deepEqual(inl.points, ['kernel.function("__netif_receive_skb_list_ptype@net/core/dev.c").inline']);
      assert.doesNotMatch(inl.text, /\.return/);
      const hdr = await probe({ mode: 'function', function: 'skb_pull_inline', file: 'include/linux/skbuff.h' });
      assert.deepEqual(hdr.points, ['kernel.function("skb_pull_inline@include/linux/skbuff.h").inline?', 'module("*").function("skb_pull_inline@include/linux/skbuff.h").inline?']);
      const st = await probe({ mode: 'function', function: 'ip_rcv_finish' });
      assert.deepEqual(st.points.slice(0, 3), [
        'kernel.function("ip_rcv_finish@net/ipv4/ip_input.c")?',
        'kernel.function("ip_rcv_finish.isra.*@net/ipv4/ip_input.c")?',
        'kernel.function("ip_rcv_finish.constprop.*@net/ipv4/ip_input.c")?',
      ]);
      assert.ok(st.points.includes('kernel.function("ip_rcv_finish.constprop.*@net/ipv4/ip_input.c").return?'));
    });

    test('statement probes on a line, with the line computed from the file text; bad lines are refused', async () => {
      const start = lineOf(root, 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/);
      const line = lineOf(root, 'net/ipv4/udp.c', /UDP_MIB_RCVBUFERRORS/, start);
      const p = await probe({ mode: 'line', function: '__udp_queue_rcv_skb', line });
      assert.equal(p.points[0], `kernel.statement("__udp_queue_rcv_skb@net/ipv4/udp.c:${line}")`);
      const byPosition = await probe({ mode: 'line', file: 'net/ipv4/udp.c', line });
      assert.equal(byPosition.text, p.text);
      const tapLine = lineOf(root, 'drivers/net/tap.c', /goto drop;/, lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/));
      const t = await probe({ mode: 'line', function: 'tap_handle_frame', line: tapLine });
      // A goto line has no code of its own: without a line table it is counted as its drop site is.
      // The label as an optional and sufficient point, then the lines from the label to its statement, per object.
      const drop = lineOf(root, 'drivers/net/tap.c', /^drop:$/, tapLine);
      // The label's statement: the first line after it that is neither blank nor a comment.
      const body = lineOf(root, 'drivers/net/tap.c', /^\s+(?!\/\*|\*|\/\/)\S/, drop + 1);
      assert.match(fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n')[body - 1], /if \(tap->count_rx_dropped\)/);
      const at = `${drop}-${body}`;
      assert.deepEqual(t.points.slice(0, 4), ['module("tap").function("tap_handle_frame@drivers/net/tap.c").label("drop")!', `module("tap").statement("tap_handle_frame@drivers/net/tap.c:${at}")!`,
        'kernel.function("tap_handle_frame@drivers/net/tap.c").label("drop")!', `kernel.statement("tap_handle_frame@drivers/net/tap.c:${at}")?`]);
      assert.match(t.text, new RegExp(`# Line ${tapLine} is a goto to drop label drop: a goto has no line record of its own`));
      await assert.rejects(probe({ mode: 'line', function: '__udp_queue_rcv_skb', line: start - 1 }), (e) => e instanceof ProbeError && /is not in __udp_queue_rcv_skb/.test(e.message));
      await assert.rejects(probe({ mode: 'function', function: 'no_such_function_netpath' }), (e) => e instanceof ProbeError && /no function "no_such_function_netpath"/.test(e.message));
    });

    test('drop reasons: enum skb_drop_reason read from the tree, values by position up to SKB_DROP_REASON_MAX', () => {
      const reasons = dropReasons(src);
      assert.ok(reasons, 'enum skb_drop_reason not found');
      const text = fs.readFileSync(path.join(root, reasons.file), 'utf8').split('\n');
      const startAt = text.findIndex((l) => /^enum skb_drop_reason \{/.test(l));
      const members: string[] = [];
      for (let i = startAt + 1; i < text.length; i++) {
        const m = /^\s*(SKB_\w+)\s*(?:=\s*0\s*)?,/.exec(text[i]);
        if (!m) continue;
        if (m[1] === 'SKB_DROP_REASON_MAX') break;
        members.push(m[1].replace(/^SKB_DROP_REASON_/, ''));
      }
      assert.ok(members.length > 50, `members ${members.length}`);
      assert.deepEqual(reasons.names, members);
      assert.equal(reasons.names[0], 'SKB_NOT_DROPPED_YET');
    });

    test('every function on the canonical receive path, and the path itself, passes stap -p1', async () => {
      const g = await src.graph!();
      const hops = [];
      for (let i = 0; i + 1 < CANONICAL.length; i++) {
        const [seg] = g.paths(CANONICAL[i], CANONICAL[i + 1], 1);
        assert.ok(seg?.length, `no call chain ${CANONICAL[i]} -> ${CANONICAL[i + 1]}`);
        hops.push(...seg);
      }
      const fns = [...new Set([CANONICAL[0], ...hops.map((h) => h.callee)])];
      for (const name of CANONICAL) assert.ok(fns.includes(name), name);
      const scripts: GeneratedProbe[] = [];
      for (const name of fns) {
        const hop = hops.find((h) => h.callee === name);
        const def = calleeFunction(src, name, hop?.file ?? 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c');
        assert.ok(def, name);
        scripts.push(await probe({ mode: 'function', function: name, file: def.file }));
      }
      const whole = await probe({ mode: 'path', from: CANONICAL[0], to: CANONICAL[CANONICAL.length - 1] });
      scripts.push(whole);
      for (let i = 0; i + 1 < CANONICAL.length; i++) scripts.push(await probe({ mode: 'path', from: CANONICAL[i], to: CANONICAL[i + 1] }));
      for (const s of scripts) {
        assert.doesNotMatch(s.text, /%\{|\$\w+\s*=[^=]/, `${s.title}: embedded C or a write needs Guru mode`);
        assert.match(s.text, /cpu\(\)/);
        assert.match(s.text, /execname\(\)/);
        assert.match(s.text, /probe timer\.s\(\d+\)\n\{\n {2}exit\(\)/);
        assert.match(s.text, /probe end\n\{\n {2}table\(\)/);
      }
      assertAllParse(await stapParse(stub, scripts.map((s) => ({ name: s.fileName, text: s.text }))), scripts.length);
    });

    test('which drop site fires: tap_handle_frame\'s goto-drop lines, its drop label, the counter function and drop reasons', async () => {
      const p = await probe({ mode: 'drops', function: 'tap_handle_frame' });
      const file = 'drivers/net/tap.c';
      const start = lineOf(root, file, /^rx_handler_result_t tap_handle_frame\(/);
      const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
      const end = lines.findIndex((l, i) => i >= start && l === '}') + 1;
      const gotos = lines.map((l, i) => ({ l, n: i + 1 })).filter(({ l, n }) => n > start && n < end && /\bgoto drop;/.test(l)).map(({ n }) => n);
      assert.ok(gotos.length >= 4, `goto drop lines ${gotos}`);
      // A goto line has no line record of its own: each is counted at the label, told apart by
      // $drop_reason (the real build's pass 2 is checked in probes-pass2.test.ts).
      for (const n of gotos) {
        assert.ok(!p.points.some((x) => x.includes(`tap.c:${n}"`)), `no statement probe on goto line ${n}`);
        assert.match(p.text, new RegExp(`\\n# {3}tap\\.c:${n} goto drop: label drop where \\$drop_reason == \\d+ \\((SKB_GSO_SEG|FULL_RING|SKB_CSUM)\\)`));
      }
      assert.ok(p.points.includes(`module("tap").function("tap_handle_frame@${file}").label("drop")!`));
      assert.match(p.text, /\n {2}if \(@defined\(\$drop_reason\) && \$drop_reason == \d+\) \{\n {4}hits\[\d+\]\+\+/);
      assert.ok(p.points.some((x) => x.startsWith('module("macvtap").function("macvtap_count_rx_dropped@drivers/net/macvtap.c")')), 'counter function macvtap_count_rx_dropped');
      // No SystemTap version given: the tracepoint part is written (with a note on 6.12+).
      assert.match(p.text, /\nprobe kernel\.trace\("skb:kfree_skb"\)\n\{\n {2}drops\[\$reason, symname\(\$location\)\]\+\+/);
      assert.match(p.text, /reason_name\[1\] = "(NOT_SPECIFIED|SKB_CONSUMED)"/);
      assert.match(p.text, /probe timer\.s\(5\)\n\{\n {2}table\(\)/);
      await assert.rejects(probe({ mode: 'drops', function: 'udp_rcv' }), (e) => e instanceof ProbeError && /no drop sites in udp_rcv/.test(e.message));
    });

    test('every drop site in tap.c, udp.c and dev.c is probed by a script that passes stap -p1', async () => {
      const engine = drops;
      const scripts: GeneratedProbe[] = [];
      let total = 0;
      for (const file of DROP_FILES) {
        const sites = await engine.fileSites(file);
        assert.ok(sites.length > 0, `no drop sites in ${file}`);
        total += sites.length;
        // By definition: a file may define a name twice under #ifdef/#else (sch_handle_ingress in 6.12).
        const byFunction = new Map<string, typeof sites>();
        for (const s of sites) {
          const def = functionAt(src, file, s.line);
          assert.equal(def?.name, s.function, `${file}:${s.line}`);
          byFunction.set(`${s.function}:${def.line}`, [...(byFunction.get(`${s.function}:${def.line}`) ?? []), s]);
        }
        for (const [key, fnSites] of byFunction) {
          const name = fnSites[0].function;
          const p = await probe({ mode: 'drops', function: name, file, at: Number(key.split(':')[1]) });
          // Every site is placed, and its header line says how.
          for (const s of fnSites) assert.match(p.text, new RegExp(`\\n# {3}${path.basename(file).replace('.', '\\.')}:${s.line} [^\\n]*: (statement at line|label|counted only among)`), `${file}:${s.line} in ${name}`);
          scripts.push(p);
        }
      }
      assert.ok(total >= 20, `drop sites ${total}`);
      assertAllParse(await stapParse(stub, scripts.map((s) => ({ name: s.fileName, text: s.text }))), scripts.length);
    });

    test('golden scripts: a module function, a static inline, a line and the receive path', async () => {
      const start = lineOf(root, 'net/ipv4/udp.c', /^static int __udp_queue_rcv_skb\(/);
      const cases: Array<[string, ProbeRequest]> = [
        ['function-tap_handle_frame', { mode: 'function', function: 'tap_handle_frame' }],
        ['function-ip_rcv_finish', { mode: 'function', function: 'ip_rcv_finish' }],
        ['function-__netif_receive_skb_list_ptype', { mode: 'function', function: '__netif_receive_skb_list_ptype' }],
        ['line-__udp_queue_rcv_skb', { mode: 'line', function: '__udp_queue_rcv_skb', line: lineOf(root, 'net/ipv4/udp.c', /UDP_MIB_RCVBUFERRORS/, start) }],
        ['path-ixgbe_poll-__udp_queue_rcv_skb', { mode: 'path', from: 'ixgbe_poll', to: '__udp_queue_rcv_skb' }],
      ];
      for (const [name, req] of cases) checkGoldenScript(version, name, normalise((await probe(req)).text, release));
    });

    test('netpath probe writes the script to stdout; bad input exits non-zero with the reason', () => {
      const common = ['--kernel', root, '--scope', SCOPE.join(','), '--cache', cache, '--quiet'];
      const fn = netpath(['probe', 'ip_rcv', ...common]);
      assert.equal(fn.status, 0, fn.stderr);
      assert.match(fn.stdout, /^#!\/usr\/bin\/env stap\n/);
      assert.match(fn.stdout, /\nprobe kernel\.function\("ip_rcv@net\/ipv4\/ip_input\.c"\)\.call\n/);
      const line = lineOf(root, 'net/ipv4/udp.c', /^int udp_rcv\(/) + 2;
      const ln = netpath(['probe', 'udp_rcv', '--line', String(line), ...common]);
      assert.equal(ln.status, 0, ln.stderr);
      assert.match(ln.stdout, new RegExp(`kernel\\.statement\\("udp_rcv@net/ipv4/udp\\.c:${line}"\\)`));
      const p = netpath(['probe', '--path', 'ip_rcv', 'udp_rcv', ...common]);
      assert.equal(p.status, 0, p.stderr);
      assert.match(p.stdout, /ip_local_deliver -> /);
      const missing = netpath(['probe', 'no_such_function_netpath', ...common]);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /no function "no_such_function_netpath"/);
      const outside = netpath(['probe', 'udp_rcv', '--line', '1', ...common]);
      assert.equal(outside.status, 1);
      assert.match(outside.stderr, /line 1 is not in udp_rcv/);
      // The running kernel's symbols: ip_rcv is there; a file that is not a kallsyms listing is refused.
      const checked = netpath(['probe', 'ip_rcv', '--kallsyms', '/proc/kallsyms', ...common]);
      assert.equal(checked.status, 0, checked.stderr);
      assert.match(checked.stdout, /\n# Every probed function is in \/proc\/kallsyms\.\n/);
      const notKallsyms = netpath(['probe', 'ip_rcv', '--kallsyms', path.join(root, 'Makefile'), ...common]);
      assert.equal(notKallsyms.status, 1);
      assert.match(notKallsyms.stderr, /has no text symbols/);
      // --host local: this machine's facts (collected with sh -s, cached under --cache), the same fitting as --kallsyms.
      const local = netpath(['probe', 'ip_rcv', '--host', 'local', ...common]);
      assert.equal(local.status, 0, local.stderr);
      assert.ok(local.stdout.includes(`\n# Fitted to host local (uname -r ${os.release()}), facts collected `), local.stdout.slice(0, 1500));
      assert.match(local.stdout, /\n# host local has SystemTap 4\.8\.\n/);
      assert.equal(netpath(['probe', 'ip_rcv', '--host', 'local', '--kallsyms', '/proc/kallsyms', ...common]).status, 2);
      const badHost = netpath(['probe', 'ip_rcv', '--host', 'a;reboot', ...common]);
      assert.equal(badHost.status, 2);
      assert.match(badHost.stderr, /"a;reboot" is not a host alias/);
      const usage = netpath(['probe', 'udp_rcv', '--format', 'dtrace', ...common]);
      assert.equal(usage.status, 2);
      assert.match(usage.stderr, /--format dtrace is not supported/);
    });
  });
}
