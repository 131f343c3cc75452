// netpath-test: host
// `netpath drops --live` end to end with real parts, as root on this machine's kernel: the built
// CLI, locally and over a real sshd on loopback (root login with the test's own key and
// known_hosts), real UDP drops on 127.0.0.1 and ::1 attributed to the 6.12 tree's drop sites.
// After a normal stop, after kill -9 of sshd and after kill -9 of the client, the host is as it
// was: the global kfree_skb enable unchanged, no netpath tracefs instance, no session process.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { HOST_ALIAS, TestSshd } from '../helpers/sshd';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { TRACEFS, globalEnable, hostRestored, processTree, sessionProcesses, useTracefs } from '../helpers/live-session';

const CLI = path.resolve('dist/netpath.js');

interface Row { fn?: string; reason?: string; count: number; verdict: string; sites: { file: string; line: number }[] }

class CliRun {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
    this.child = spawn(process.execPath, [CLI, 'drops', '--live', '--json', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (c) => resolve(c)));
  }

  get objects(): Record<string, unknown>[] {
    return this.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  get session(): { pid: number; instance: string; release: string } | undefined {
    return this.objects.find((o) => o.session)?.session as { pid: number; instance: string; release: string } | undefined;
  }

  get rows(): Row[] {
    return this.objects.filter((o) => o.rows).flatMap((o) => o.rows as Row[]);
  }

  async until(what: string, pred: () => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; stderr: ${this.err}; stdout: ${this.out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Exit code, killing the CLI if it does not exit within `ms`. */
  async exit(ms = 30_000): Promise<number | null> {
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const c = await this.exited;
    clearTimeout(t);
    return c;
  }
}

function lineIn(root: string, rel: string, header: string, text: string): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  return lines.findIndex((l, n) => n > start && l.includes(text)) + 1;
}

async function overflowBoth(): Promise<void> {
  for (const family of ['udp4', 'udp6'] as const) {
    const s = await UnreadUdpSocket.open(family);
    try {
      await s.flood(1500, 512);
    } finally {
      s.close();
    }
  }
}

/** Every ancestor of `pid` whose command is sshd (the listener and the connection's processes). */
function sshdAncestors(pid: number): number[] {
  const out: number[] = [];
  for (let p = pid; p > 1;) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      break;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (p !== pid && comm.startsWith('sshd')) out.push(p);
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return out;
}

describe('netpath drops --live (CLI, real kernel, real sshd)', () => {
  useTracefs();
  let root = '';
  let base: string[] = [];
  let sshd: TestSshd;
  let before0 = '';
  let v4 = 0;
  let v6 = 0;

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'prerequisite missing: root (the session enables skb:kfree_skb; sshd logs root in)');
    assert.ok(fs.existsSync(`${TRACEFS}/events/skb/kfree_skb/enable`), `prerequisite missing: ${TRACEFS}`);
    root = kernelTree('6.12');
    base = ['--kernel', root, '--cache', sharedCache()];
    before0 = globalEnable();
    v4 = lineIn(root, 'net/ipv4/udp.c', 'static int __udp_queue_rcv_skb(', 'sk_skb_reason_drop(');
    v6 = lineIn(root, 'net/ipv6/udp.c', 'static int __udpv6_queue_rcv_skb(', 'sk_skb_reason_drop(');
    sshd = await TestSshd.start();
  });
  after(async () => {
    await sshd?.stop();
  });

  const checkAttributed = (run: CliRun) => {
    const rcv = run.rows.filter((r) => r.reason === 'SOCKET_RCVBUFF' && (r.fn === 'udp_queue_rcv_one_skb' || r.fn === 'udpv6_queue_rcv_one_skb'));
    assert.ok(rcv.length >= 2, JSON.stringify(run.rows));
    for (const r of rcv) {
      assert.equal(r.verdict, 'drop');
      assert.deepEqual(r.sites.map((s) => `${s.file}:${s.line}`), [r.fn === 'udp_queue_rcv_one_skb' ? `net/ipv4/udp.c:${v4}` : `net/ipv6/udp.c:${v6}`]);
    }
  };
  const total = (run: CliRun, fn: string) => run.rows.filter((r) => r.fn === fn && r.reason === 'SOCKET_RCVBUFF').reduce((a, r) => a + r.count, 0);

  for (const [where, source] of [['local', 'tracefs'], ['ssh', 'auto'], ['ssh', 'tracefs']] as const) {
    test(`${where}, --source ${source}: drops on 127.0.0.1 and ::1 attributed to __udp_queue_rcv_skb / __udpv6_queue_rcv_skb; --duration ends it and the host is restored`, async () => {
      const run = new CliRun([...base, '--duration', '20', '--source', source, ...(where === 'ssh' ? ['--host', HOST_ALIAS, '--ssh-config', sshd.sshConfig] : ['--host', 'local'])]);
      const known: number[] = [];
      try {
        await run.until('the session line', () => !!run.session);
        await run.until('the first interval', () => run.objects.some((o) => o.rows));
        known.push(...processTree(run.session!.pid));
        await overflowBoth();
        await run.until('both sockets\' drops', () => total(run, 'udp_queue_rcv_one_skb') >= 1499 && total(run, 'udpv6_queue_rcv_one_skb') >= 1499, 30_000);
        assert.equal(await run.exit(40_000), 0, run.err);
      } finally {
        run.child.kill('SIGKILL');
      }
      checkAttributed(run);
      assert.equal((run.session as unknown as { source: string }).source, source === 'auto' ? 'bpftrace' : source, 'auto picks bpftrace where it is installed');
      const first = run.objects.find((o) => o.rows)!;
      assert.equal(first.approximate, !run.session!.release.startsWith('6.12.'), 'the version guard');
      await hostRestored(undefined, before0, known);
    });
  }

  test('a changed host key: refused by OpenSSH, a clear message, nothing runs on the host', async () => {
    const before = globalEnable();
    await sshd.changeHostKey();
    try {
      const run = new CliRun([...base, '--host', HOST_ALIAS, '--ssh-config', sshd.sshConfig, '--duration', '5']);
      assert.equal(await run.exit(30_000), 1);
      assert.match(run.err, /the host key of netpath-test is not the one in known_hosts/);
      assert.equal(run.session, undefined, 'no session started');
      assert.equal(globalEnable(), before);
      assert.deepEqual(sessionProcesses(), []);
    } finally {
      sshd.trustHostKey();
    }
  });

  for (const source of ['bpftrace', 'tracefs'] as const) test(`kill -9 of sshd mid-session (${source}): the CLI reports the loss; on the host the event is off and nothing is left`, async () => {
    const run = new CliRun([...base, '--source', source, '--host', HOST_ALIAS, '--ssh-config', sshd.sshConfig]);
    const known: number[] = [];
    try {
      await run.until('the first interval', () => !!run.session && run.objects.some((o) => o.rows));
      known.push(...processTree(run.session!.pid));
      const victims = sshdAncestors(run.session!.pid);
      assert.ok(victims.length >= 1, 'the session runs under sshd');
      for (const p of victims) process.kill(p, 'SIGKILL');
      assert.equal(await run.exit(30_000), 1);
      assert.match(run.err, /drops --live: the session on netpath-test ended/);
    } finally {
      run.child.kill('SIGKILL');
    }
    await hostRestored(undefined, before0, known);
    await sshd.restart();
  });

  for (const [where, source] of [['local', 'tracefs'], ['ssh', 'bpftrace'], ['ssh', 'tracefs']] as const) {
    test(`kill -9 of the client (${where}, ${source}): the host ends the session and restores the event`, async () => {
      const run = new CliRun([...base, '--source', source, ...(where === 'ssh' ? ['--host', HOST_ALIAS, '--ssh-config', sshd.sshConfig] : [])]);
      const known: number[] = [];
      try {
        await run.until('the first interval', () => !!run.session && run.objects.some((o) => o.rows));
        known.push(...processTree(run.child.pid!), ...processTree(run.session!.pid));
        if (source === 'tracefs') assert.equal(fs.readFileSync(`${run.session!.instance}/events/skb/kfree_skb/enable`, 'utf8').trim(), '1');
        run.child.kill('SIGKILL');
        await run.exit(10_000);
      } finally {
        run.child.kill('SIGKILL');
      }
      // known includes the client's own ssh (orphaned by the kill): it must end too.
      await hostRestored(undefined, before0, known.filter((p) => p !== run.child.pid));
    });
  }
});
