// netpath-test: host
// The live drop session's root script on this machine's kernel, as root: real UDP receive-buffer
// drops on loopback show up per interval at the freeing location with the reason; the host is
// left as found (global enable untouched, the session's tracefs instance gone, no process left);
// a flood over the per-interval cap is sampled and says so; without root nothing changes.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { Recorded, TRACEFS, globalEnable, hostRestored, netpathInstances, processTree, useTracefs } from '../helpers/live-session';
import { newSessionMarker, sessionScript } from '../../server/src/live-drops/session-script';
import { SessionFrames, type SessionMessage } from '../../server/src/live-drops/session-frames';

function requireRoot(): void {
  assert.equal(process.getuid?.(), 0, 'prerequisite missing: root (the session enables the skb:kfree_skb tracepoint); run the tests as root');
  assert.ok(fs.existsSync(`${TRACEFS}/events/skb/kfree_skb/enable`), `prerequisite missing: tracefs at ${TRACEFS} with the skb:kfree_skb event`);
}

/** Sum of the rows at `fn` with `reason` over every interval. */
function counted(r: Recorded, fn: string, reason: string): number {
  return r.intervals.flatMap((i) => i.rows).filter((x) => x.location.fn === fn && x.reason === reason).reduce((a, x) => a + x.count, 0);
}

/** `fn+0xoff/0xsize` of the SOCKET_RCVBUFF rows, sorted. */
function locations(r: Recorded): string[] {
  const rows = r.intervals.flatMap((i) => i.rows).filter((x) => x.reason === 'SOCKET_RCVBUFF' && x.location.fn?.includes('queue_rcv_one_skb'));
  return [...new Set(rows.map((x) => `${x.location.fn}+0x${x.location.offset?.toString(16)}/0x${x.location.size?.toString(16)}`))].sort();
}

let tracefsLocations: string[] = [];

// A fresh boot of these machines leaves tracefs unmounted; the session then mounts it and unmounts
// it at the end. Run in a private mount namespace (unshare -m), with tracefs unmounted there
// whatever the machine has, so the machine's own mounts are never touched.
describe('live drop session where tracefs is not mounted (private mount namespace)', () => {
  test('the session mounts tracefs, counts the drops, and unmounts it when stdin closes', async () => {
    assert.equal(process.getuid?.(), 0, 'prerequisite missing: root (unshare -m, and the tracepoint); run the tests as root');
    const mountedBefore = fs.existsSync(`${TRACEFS}/events`);
    const marker = newSessionMarker();
    // The wrapper only unmounts in its own namespace and reports what the session left there.
    const wrapper = `umount ${TRACEFS} 2>/dev/null; [ -d ${TRACEFS}/events ] && echo NETPATH-TEST-STILL-MOUNTED-BEFORE; sh -s; if [ -d ${TRACEFS}/events ]; then echo NETPATH-TEST-LEFT-MOUNTED; else echo NETPATH-TEST-UNMOUNTED; fi`;
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', wrapper], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const frames = new SessionFrames(marker);
    const msgs: SessionMessage[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      msgs.push(...frames.feed(d.toString()));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdin.write(sessionScript(1, marker, undefined, 'tracefs'));
    const until = async (what: string, pred: () => boolean) => {
      const end = Date.now() + 20_000;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until('the hello', () => msgs.some((m) => m.kind === 'hello' || m.kind === 'error'));
      const hello = msgs.find((m) => m.kind === 'hello');
      assert.ok(hello && hello.kind === 'hello', out);
      assert.equal(hello.mounted, true, 'the session mounted tracefs itself');
      assert.equal(hello.tracefs, TRACEFS);
      await until('the first interval', () => msgs.some((m) => m.kind === 'interval'));
      const sock = await UnreadUdpSocket.open('udp4');
      try {
        await sock.flood(200, 512);
      } finally {
        sock.close();
      }
      const dropped = () => msgs.filter((m) => m.kind === 'interval').flatMap((m) => (m.kind === 'interval' ? m.rows : []))
        .filter((x) => x.reason === 'SOCKET_RCVBUFF').reduce((a, x) => a + x.count, 0);
      await until('SOCKET_RCVBUFF drops', () => dropped() > 0);
    } finally {
      child.stdin.end();
      const code = await closed;
      clearTimeout(timer);
      assert.equal(code, 0, err);
    }
    assert.ok(msgs.some((m) => m.kind === 'stopped'), out);
    assert.doesNotMatch(out, /NETPATH-TEST-STILL-MOUNTED-BEFORE/);
    assert.match(out, /\nNETPATH-TEST-UNMOUNTED\n$/, 'the session unmounted the tracefs it mounted');
    assert.equal(fs.existsSync(`${TRACEFS}/events`), mountedBefore, "the machine's own mount is as it was");
  });
});

describe('live drop session on this machine (as root)', () => {
  useTracefs();
  test('UDP overflow on 127.0.0.1 and ::1: SOCKET_RCVBUFF at udp_queue_rcv_one_skb / udpv6_queue_rcv_one_skb; stop restores the host', async () => {
    requireRoot();
    const before = globalEnable();
    const r = new Recorded({ intervalS: 1, source: 'tracefs' });
    r.session.start();
    const known: number[] = [];
    try {
      await r.until('HELLO', () => r.messages.some((m) => m.kind === 'hello'));
      const hello = r.messages.find((m) => m.kind === 'hello')!;
      assert.ok(hello.kind === 'hello');
      assert.equal(hello.source, 'tracefs');
      assert.equal(hello.globalEnable, before);
      // The reason table is its own message after hello: on a loaded machine it may come a moment later.
      await r.until('the host reason table', () => r.messages.some((m) => m.kind === 'reasons' && [...m.reasons.values()].includes('SOCKET_RCVBUFF')));
      await r.until('the first interval (the event is on)', () => r.intervals.length >= 1);
      assert.equal(fs.readFileSync(`${hello.instance}/events/skb/kfree_skb/enable`, 'utf8').trim(), '1');
      assert.equal(globalEnable(), before, 'the global enable is never written');
      known.push(...processTree(hello.pid));
      for (const family of ['udp4', 'udp6'] as const) {
        const sock = await UnreadUdpSocket.open(family);
        try {
          await sock.flood(2000, 512);
        } finally {
          sock.close();
        }
      }
      await r.until('1999 drops each at the UDP receive buffers', () => counted(r, 'udp_queue_rcv_one_skb', 'SOCKET_RCVBUFF') >= 1999 && counted(r, 'udpv6_queue_rcv_one_skb', 'SOCKET_RCVBUFF') >= 1999);
      assert.ok(r.intervals.every((i) => i.lost === 0 && i.capped === 0 && i.unreadable === 0));
      tracefsLocations = locations(r);
    } finally {
      // Stop closes stdin and nothing else: the host's watchdog must end the session well
      // before the 10 s grace after which the transport would be killed.
      const t0 = Date.now();
      await r.session.stop();
      assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms: the stdin watchdog did not end the session`);
    }
    assert.ok(r.messages.some((m) => m.kind === 'stopped'), 'the script reports that it restored the host');
    assert.equal(r.closed?.error, undefined);
    await hostRestored(r.session.marker, before, known);
  });

  test('bpftrace (counted in the kernel, addresses symbolized from /proc/kallsyms): the same locations as tracefs prints; stop ends bpftrace and removes its FIFO folder', async () => {
    requireRoot();
    const before = globalEnable();
    const r = new Recorded({ intervalS: 1, source: 'bpftrace' });
    r.session.start();
    const known: number[] = [];
    try {
      await r.until('the first interval (bpftrace attached)', () => r.intervals.length >= 1, 60_000);
      const hello = r.messages.find((m) => m.kind === 'hello');
      assert.ok(hello?.kind === 'hello' && hello.source === 'bpftrace', JSON.stringify(hello));
      assert.ok(fs.existsSync(`${hello.instance}/p`), 'its FIFO');
      known.push(...processTree(hello.pid));
      for (const family of ['udp4', 'udp6'] as const) {
        const sock = await UnreadUdpSocket.open(family);
        try {
          await sock.flood(2000, 512);
        } finally {
          sock.close();
        }
      }
      await r.until('1999 drops each', () => counted(r, 'udp_queue_rcv_one_skb', 'SOCKET_RCVBUFF') >= 1999 && counted(r, 'udpv6_queue_rcv_one_skb', 'SOCKET_RCVBUFF') >= 1999);
      assert.equal(globalEnable(), before);
    } finally {
      await r.session.stop();
    }
    assert.equal(tracefsLocations.length, 2, 'the tracefs test ran first and saw both');
    assert.deepEqual(locations(r), tracefsLocations, 'symbol+offset/size from kallsyms equals what the kernel prints with %pS');
    await hostRestored(r.session.marker, before, known);
  });

  test('a flood over the per-interval cap is sampled (1 in 16, weighted) and counted, never silently dropped', async () => {
    requireRoot();
    const before = globalEnable();
    const r = new Recorded({ intervalS: 2, cap: 100, source: 'tracefs' });
    r.session.start();
    try {
      await r.until('the first interval', () => r.intervals.length >= 1);
      const sock = await UnreadUdpSocket.open('udp4');
      try {
        await sock.flood(1000, 512);
      } finally {
        sock.close();
      }
      await r.until('an interval over the cap', () => r.intervals.some((i) => i.capped > 0));
      const iv = r.intervals.find((i) => i.capped > 0)!;
      assert.equal(iv.sampleEvery, 16);
      assert.ok(iv.events > 100 && iv.capped === iv.events - 100, JSON.stringify(iv));
      const attributed = iv.rows.reduce((a, x) => a + x.count, 0);
      // 100 parsed one by one, then every 16th of the rest weighted by 16.
      assert.equal(attributed, 100 + Math.floor(iv.capped / 16) * 16);
    } finally {
      await r.session.stop();
    }
    await hostRestored(r.session.marker, before);
  });

  test('leftovers of a session whose shell was SIGKILLed are removed by the next one; folders of other users are not touched', async () => {
    requireRoot();
    const before = globalEnable();
    // Pids of processes that have exited: a SIGKILLed session's shell.
    const dead = () => {
      const r = spawnSync('true');
      return r.pid;
    };
    const staleInstance = `${TRACEFS}/instances/netpath-${dead()}`;
    const staleFifo = `/tmp/netpath-live-${dead()}`;
    const foreign = `/tmp/netpath-live-${dead()}`;
    fs.mkdirSync(staleInstance);
    fs.writeFileSync(`${staleInstance}/events/skb/kfree_skb/enable`, '1');
    fs.mkdirSync(staleFifo);
    fs.mkdirSync(foreign);
    fs.chownSync(foreign, 65534, 65534);
    const r = new Recorded({ intervalS: 1, source: 'tracefs' });
    try {
      r.session.start();
      await r.until('the first interval', () => r.intervals.length >= 1);
      assert.equal(fs.existsSync(staleInstance), false, 'the stale instance is disabled and removed');
      assert.equal(fs.existsSync(staleFifo), false, 'the stale FIFO folder is removed');
      assert.equal(fs.existsSync(foreign), true, "another user's folder stays");
    } finally {
      await r.session.stop();
      fs.rmSync(foreign, { recursive: true, force: true });
      if (fs.existsSync(staleInstance)) fs.rmdirSync(staleInstance);
      fs.rmSync(staleFifo, { recursive: true, force: true });
    }
    await hostRestored(r.session.marker, before);
  });

  test('without root: a clear message and nothing changed', async () => {
    requireRoot();
    const before = globalEnable();
    const instances = netpathInstances();
    const marker = newSessionMarker();
    const child = spawn('runuser', ['-u', 'nobody', '--', 'sh', '-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(sessionScript(1, marker));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0);
    const msgs: SessionMessage[] = new SessionFrames(marker).feed(out);
    assert.deepEqual(msgs.map((m) => m.kind), ['error']);
    assert.ok(msgs[0].kind === 'error' && msgs[0].code === 'notroot' && /user nobody is not root: .*nothing was changed/.test(msgs[0].message), out);
    assert.equal(globalEnable(), before);
    assert.deepEqual(netpathInstances(), instances);
  });
});
