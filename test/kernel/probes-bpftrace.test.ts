// netpath-test: host
// bpftrace output on the real 6.12 tree: every generated script passes `bpftrace -d` (Debian's
// bpftrace 0.17 parses and checks it against this machine's tracepoints), the kprobe ones build
// with --emit-elf, and the drop script runs for real as root on this machine's kernel while a
// UDP socket on loopback overflows: it must count the drops by reason at the UDP receive buffer.
// This kernel has no kprobe_events, so the live script must leave its kprobes out and say so.
// The real CLI on this machine: without --host the script is for a generic target and its header
// names what this machine lacks; with --host local it is refused, offering the kfree_skb stand-in.
import { before, describe, test } from 'node:test';
import { useTracefs } from '../helpers/live-session';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelTree, sharedCache, TEST_SCOPE } from '../helpers/kernels';
import { savedGraph } from '../helpers/saved-graph';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { KernelIndex } from '../../server/src/engine/indexer';
import { kernelVersion } from '../../server/src/engine/kernel-tree';
import { generateProbe, type ProbeRequest, type ProbeSources } from '../../server/src/engine/probes/generate';
import { localTraceFacts, type TraceFacts } from '../../server/src/engine/probes/host-facts';
import { ProbeError, type GeneratedProbe } from '../../server/src/engine/probes/types';

/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;
const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
const DROP_FUNCTIONS = ['tap_handle_frame', 'enqueue_to_backlog', '__netif_receive_skb_core', '__udp_queue_rcv_skb', 'net_rx_action'];
const TRACEFS = '/sys/kernel/tracing';

function requireBpftrace(): void {
  const r = spawnSync('bpftrace', ['-V'], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, `prerequisite missing: bpftrace (Debian package bpftrace; scripts/setup-system.sh installs it): ${r.error?.message ?? r.stderr}`);
  assert.equal(process.getuid?.(), 0, 'prerequisite missing: root (bpftrace -d reads the tracepoints, the live test attaches one); run the tests as root');
  // bpftrace checks tracepoints against tracefs (useTracefs mounts it where a fresh boot leaves it unmounted).
  assert.ok(fs.existsSync(path.join(TRACEFS, 'events')), `prerequisite missing: tracefs at ${TRACEFS}`);
}

/** Writes each script to a file and runs `bpftrace <args> file`; every run is bounded. */
function bpftrace(args: string[], p: GeneratedProbe, dir: string): { status: number | null; stderr: string } {
  const file = path.join(dir, p.fileName);
  fs.writeFileSync(file, p.text);
  const r = spawnSync('bpftrace', [...args, file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { status: r.status, stderr: r.stderr.split('\n').filter((l) => /ERROR|error:/.test(l) && !/RLIMIT_MEMLOCK/.test(l)).join(' | ') };
}

describe('bpftrace scripts on Linux 6.12', () => {
  useTracefs();
  let src: ProbeSources;
  let dir = '';
  const probe = (req: ProbeRequest, host: TraceFacts) => generateProbe({ ...src, traceFacts: host }, req, 'bpftrace');
  /** A target that attaches kprobes (not this machine): every kind of probe gets written. */
  const withKprobes: TraceFacts = { kprobes: true, source: 'a target with kprobes' };

  before(async () => {
    requireBpftrace();
    const root = kernelTree('6.12');
    const idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot: sharedCache() });
    // The saved graph and one drop engine for every script (a new engine per function recomputes the counter map).
    const saved = await savedGraph(idx);
    const drops = await saved.drops();
    const graphOf = () => saved.graph;
    src = { files: idx.files, kbuild: idx.kbuild, version: kernelVersion(root), graph: graphOf, dropSites: (fn) => drops.sites(fn.name) };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-bt-'));
  });

  test('function, path and drops scripts pass bpftrace -d; the kprobe ones build with --emit-elf', async () => {
    const scripts: GeneratedProbe[] = [
      await probe({ mode: 'function', function: 'ip_rcv' }, withKprobes),
      await probe({ mode: 'function', function: 'tap_handle_frame' }, withKprobes),
      await probe({ mode: 'path', from: 'ixgbe_poll', to: '__udp_queue_rcv_skb' }, withKprobes),
    ];
    for (const name of DROP_FUNCTIONS) {
      scripts.push(await probe({ mode: 'drops', function: name }, withKprobes), { ...(await probe({ mode: 'drops', function: name }, localTraceFacts())), fileName: `local-drops-${name}.bt` });
    }
    const fn = scripts[0];
    assert.match(fn.text, /\nkprobe:ip_rcv\n\{\n {2}@hits\["entry ip_rcv"\] = count\(\);/);
    assert.match(fn.text, /\nkretprobe:ip_rcv\n\{[^}]*retval\);/);
    assert.match(scripts[2].text, /\nkprobe:__udp_queue_rcv_skb\n/);
    const tap = scripts.find((s) => s.fileName === 'drops-tap_handle_frame.bt')!;
    assert.match(tap.text, /\nkprobe:macvtap_count_rx_dropped\n/, 'the counter function of the drop path');
    assert.match(tap.text, /\ntracepoint:skb:kfree_skb\n\{\n {2}@drops\[args->reason, @reason_name\[args->reason\], ksym\(args->location\)\] = count\(\);/);
    assert.match(tap.text, /\ninterval:s:5\n\{\n {2}time\(/);
    assert.match(tap.text, /\ninterval:s:60\n\{\n {2}exit\(\);/);
    const problems: string[] = [];
    for (const s of scripts) {
      const d = bpftrace(['-d'], s, dir);
      if (d.status !== 0) problems.push(`${s.fileName}: bpftrace -d exit ${d.status}: ${d.stderr}`);
      if (!s.points.some((p) => p.startsWith('kprobe:') || p.startsWith('kretprobe:'))) continue;
      const e = bpftrace(['--emit-elf', path.join(dir, `${s.fileName}.o`)], s, dir);
      if (e.status !== 0) problems.push(`${s.fileName}: bpftrace --emit-elf exit ${e.status}: ${e.stderr}`);
    }
    assert.deepEqual(problems, []);
    await assert.rejects(probe({ mode: 'line', function: 'ip_rcv', line: 1 }, withKprobes), (e) => e instanceof ProbeError && /bpftrace cannot probe a source line/.test(e.message));
    await assert.rejects(probe({ mode: 'function', function: 'ip_rcv' }, { kprobes: false, source: 'a host without kprobes' }), (e) => e instanceof ProbeError && /cannot be attached/.test(e.message));
  });

  test('the drop script runs for real: kfree_skb counts SOCKET_RCVBUFF drops at udp_queue_rcv_one_skb while a UDP socket overflows', async () => {
    const host = localTraceFacts();
    assert.ok(host.reasons?.size, `the kfree_skb format of ${TRACEFS} has no reason table`);
    const p = await probe({ mode: 'drops', function: '__udp_queue_rcv_skb' }, host);
    // This machine has no kprobe_events: the script keeps only the tracepoint, and says why.
    assert.equal(host.kprobes, false, 'this test expects a kernel without kprobes (see ../shared/notes/systemtap.md); update it if kprobes appear');
    assert.deepEqual(p.points, ['tracepoint:skb:kfree_skb']);
    assert.match(p.text, /\n\/\/ Left out:\n\/\/ {3}__udp_queue_rcv_skb: left out: this machine's tracefs \S+ has no kprobe_events/);
    const rcvbuff = [...host.reasons!].find(([, n]) => n === 'SOCKET_RCVBUFF')![0];
    assert.match(p.text, new RegExp(`\\n {2}@reason_name\\[${rcvbuff}\\] = "SOCKET_RCVBUFF";`));
    const file = path.join(dir, 'live.bt');
    fs.writeFileSync(file, p.text);
    const child = spawn('bpftrace', ['-B', 'line', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const socket = await UnreadUdpSocket.open();
    try {
      // BEGIN prints once the probes are attached; bounded so a broken bpftrace fails the test.
      const attached = await new Promise<boolean>((resolve) => {
        const done = (v: boolean) => {
          clearInterval(poll);
          clearTimeout(limit);
          resolve(v);
        };
        const poll = setInterval(() => out.includes('netpath: ') && done(true), 50);
        const limit = setTimeout(() => done(false), 60_000);
        child.once('close', () => done(false));
      });
      assert.ok(attached, `bpftrace did not attach within 60 s: ${err}`);
      await socket.flood(2000, 512);
    } finally {
      socket.close();
      child.kill('SIGINT');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, err);
    // END prints the totals: "@drops[6, SOCKET_RCVBUFF, udp_queue_rcv_one_skb]: 1999".
    const totals = out.slice(out.indexOf('netpath: totals'));
    const m = new RegExp(`@drops\\[${rcvbuff}, SOCKET_RCVBUFF, udp_queue_rcv_one_skb\\]: (\\d+)`).exec(totals);
    assert.ok(m, `no SOCKET_RCVBUFF drops at udp_queue_rcv_one_skb in:\n${totals}`);
    assert.ok(Number(m[1]) >= 1000, `drops counted ${m[1]}`);
  });
});

describe('netpath probe --format bpftrace on this machine, which has no kprobes', () => {
  useTracefs();
  let root = '';
  let dir = '';
  const netpath = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--kernel', root, '--cache', sharedCache(), '--quiet'], { encoding: 'utf8', timeout: 600_000 });
  before(() => {
    requireBpftrace();
    root = kernelTree('6.12');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-bt-cli-'));
    assert.equal(localTraceFacts().kprobes, false, `this test expects a kernel without kprobes: ${TRACEFS}/kprobe_events exists; update it if kprobes appear`);
  });

  test('without --host: a script for a generic target, its header naming what this machine lacks; bpftrace -d parses it', () => {
    const r = netpath(['probe', 'ip_rcv', '--format', 'bpftrace']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\nkprobe:ip_rcv\n/);
    assert.match(r.stdout, /\nkretprobe:ip_rcv\n/);
    assert.match(r.stdout, /\n\/\/ This machine cannot run it as it is: this machine's tracefs \(\/sys\/kernel\/tracing\) has no kprobe_events, so its 2 kprobes cannot attach here \(CONFIG_KPROBE_EVENTS\)/);
    assert.match(r.stdout, /`netpath drops --live --host local` counts every drop/);
    const file = path.join(dir, 'ip_rcv.bt');
    fs.writeFileSync(file, r.stdout);
    const d = spawnSync('bpftrace', ['-d', file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    assert.equal(d.status, 0, d.stderr.split('\n').filter((l) => /ERROR|error:/.test(l)).join(' | '));
    // The drops script for a generic target keeps its kprobe and offers the tracepoint-only script for here.
    const drops = netpath(['probe', '__udp_queue_rcv_skb', '--drops', '--format', 'bpftrace']);
    assert.equal(drops.status, 0, drops.stderr);
    assert.match(drops.stdout, /\nkprobe:__udp_queue_rcv_skb\n/);
    assert.match(drops.stdout, /\n\/\/ Here the kfree_skb tracepoint stands in: generated for this machine \(--host local;/);
  });

  test('--host local: refused with the reason, offering the kfree_skb tracepoint that stands in; its --drops script runs on tracepoints alone', async () => {
    const r = netpath(['probe', '__udp_queue_rcv_skb', '--format', 'bpftrace', '--host', 'local', '--refresh-host']);
    assert.equal(r.status, 1, r.stdout.slice(0, 500));
    assert.match(r.stderr, /^netpath: no bpftrace probe for __udp_queue_rcv_skb: __udp_queue_rcv_skb: left out: host local's (tracefs \(\/sys\/kernel\/tracing\)|kernel config \(.+\)) has no kprobe_events/);
    const offered = /`(netpath probe __udp_queue_rcv_skb --drops --format bpftrace)` \(with the same --host\) counts __udp_queue_rcv_skb's drops through tracepoint:skb:kfree_skb/.exec(r.stderr);
    assert.ok(offered, r.stderr);
    // ip_rcv: the drops --live stand-in, and the --drops offer only when it has drop sites of its own.
    const ip = netpath(['probe', 'ip_rcv', '--format', 'bpftrace', '--host', 'local']);
    assert.equal(ip.status, 1);
    assert.match(ip.stderr, /There tracepoints need no kprobes: .*`netpath drops --live` \(with the same --host\)/);
    const idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot: sharedCache() });
    const ipSites = await (await (await savedGraph(idx)).drops()).sites('ip_rcv');
    assert.equal(/netpath probe ip_rcv --drops/.test(ip.stderr), ipSites.some((s) => s.file === 'net/ipv4/ip_input.c'), ip.stderr);
    // The offered command, with the same --host: tracepoints only, and bpftrace -d parses it.
    const standIn = netpath([...offered[1].split(' ').slice(1), '--host', 'local']);
    assert.equal(standIn.status, 0, standIn.stderr);
    assert.match(standIn.stdout, /\ntracepoint:skb:kfree_skb\n/);
    assert.doesNotMatch(standIn.stdout, /\nk(ret)?probe:/);
    assert.match(standIn.stdout, /tracepoint:skb:kfree_skb needs no kprobes: it stands in for them/);
    const file = path.join(dir, 'stand-in.bt');
    fs.writeFileSync(file, standIn.stdout);
    const d = spawnSync('bpftrace', ['-d', file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    assert.equal(d.status, 0, d.stderr.split('\n').filter((l) => /ERROR|error:/.test(l)).join(' | '));
  });
});
