// netpath-test: host
// `--sudo` for real: the live drop session as `sudo -n sh -s` over the test sshd on loopback, logged
// in as an unprivileged user whom sudoers allows `sh -s` (and nothing else) without a password.
// The drops of an overflowed UDP socket are attributed to the 6.12 tree's site, and after stop the
// host is as found (the event's enable files read as before, no instance, no process). A user
// without that permission gets the clear message and nothing changes. The users and the sudoers
// file are made here and removed in `after`, whatever happened.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelTree, sharedCache } from '../helpers/kernels';
import { HOST_ALIAS, TestSshd, requireTool } from '../helpers/sshd';
import { UnreadUdpSocket } from '../helpers/udp-drops';
import { Recorded, TRACEFS, globalEnable, hostRestored, netpathInstances, processTree, useTracefs } from '../helpers/live-session';
import { KernelIndex } from '../../server/src/engine/indexer';
import { AnalysisHost } from '../../server/src/engine/analysis/snapshot';
import { DropAttributor } from '../../server/src/live-drops/attribution';

const SUFFIX = String(process.pid);
/** Allowed `sh -s` as root without a password; the other is allowed nothing. */
const ALLOWED = `np-sudo-${SUFFIX}`;
const DENIED = `np-nosudo-${SUFFIX}`;
const SUDOERS = `/etc/sudoers.d/netpath-test-${SUFFIX}`;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

/** A login the test sshd accepts with its key: password `*` (no password, but not locked as `!` is). */
function addUser(name: string): void {
  run('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', '--password', '*', name]);
}

function removeUser(name: string): void {
  if (spawnSync('id', ['-u', name]).status !== 0) return;
  // The user's processes all ran under the test sshd, stopped (with its whole tree) before this.
  const r = spawnSync('userdel', [name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`userdel ${name}: ${r.stderr}`);
  for (const d of ['/run/sudo/ts', '/var/lib/sudo/lectured']) fs.rmSync(path.join(d, name), { force: true });
}

/** Real uid of the nearest `sudo` above `pid` (sudo keeps the invoking user as its real uid). */
function sudoCaller(pid: number): number | undefined {
  for (let p = pid; p > 1;) {
    const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
    if (/^Name:\s+sudo$/m.test(status)) return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
    p = Number(/^PPid:\s+(\d+)/m.exec(status)![1]);
  }
  return undefined;
}

describe('live drops with --sudo over ssh (sudo -n sh -s, real sudoers)', () => {
  useTracefs();
  let sshd: TestSshd;
  let attributor: DropAttributor;
  let v4 = 0;
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'prerequisite missing: root (to make the test users and the sudoers entry)');
    requireTool('/usr/bin/sudo', 'sudo');
    assert.ok(fs.existsSync(`${TRACEFS}/events/skb/kfree_skb/enable`), `prerequisite missing: ${TRACEFS}`);
    addUser(ALLOWED);
    addUser(DENIED);
    // Both spellings of sh: sudo resolves `sh` on its secure_path, and Debian's /bin is /usr/bin.
    fs.writeFileSync(SUDOERS, `${ALLOWED} ALL=(root) NOPASSWD: /usr/bin/sh -s, /bin/sh -s\n`, { mode: 0o440 });
    run('visudo', ['-cf', SUDOERS]);
    sshd = await TestSshd.start();
    sshd.allowOtherUsers();
    const root = kernelTree('6.12');
    const idx = await KernelIndex.open(root, { cacheRoot: sharedCache() });
    const host = new AnalysisHost({ log: () => undefined });
    host.setIndex(idx);
    const a = host.analysis()!;
    attributor = new DropAttributor(await a.drops(), await a.graph());
    const lines = fs.readFileSync(path.join(root, 'net/ipv4/udp.c'), 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('static int __udp_queue_rcv_skb('));
    v4 = lines.findIndex((l, n) => n > start && l.includes('sk_skb_reason_drop(')) + 1;
  });
  after(async () => {
    await sshd?.stop();
    fs.rmSync(SUDOERS, { force: true });
    removeUser(ALLOWED);
    removeUser(DENIED);
  });

  test('allowed user: the script runs as root through sudo, drops are attributed to __udp_queue_rcv_skb\'s free, and stop restores the event', async () => {
    const before = globalEnable();
    const uid = Number(spawnSync('id', ['-u', ALLOWED], { encoding: 'utf8' }).stdout.trim());
    const r = new Recorded({ host: `${ALLOWED}@${HOST_ALIAS}`, sshConfig: sshd.sshConfig, intervalS: 1, sudo: true, source: 'tracefs' });
    assert.deepEqual(r.session.argv().slice(-3), ['--', `${ALLOWED}@${HOST_ALIAS}`, 'sudo -n sh -s']);
    r.session.start();
    const known: number[] = [];
    let instance: string | undefined;
    try {
      await r.until('the first interval', () => r.intervals.length >= 1);
      const hello = r.messages.find((m) => m.kind === 'hello');
      assert.ok(hello?.kind === 'hello' && hello.source === 'tracefs', JSON.stringify(hello));
      instance = hello.instance;
      assert.equal(sudoCaller(hello.pid), uid, 'the script\'s shell was started by sudo for the test user');
      assert.equal(fs.readFileSync(`${instance}/events/skb/kfree_skb/enable`, 'utf8').trim(), '1', 'on in the session\'s instance');
      known.push(...processTree(hello.pid));
      const sock = await UnreadUdpSocket.open('udp4');
      try {
        await sock.flood(1000, 512);
      } finally {
        sock.close();
      }
      const total = () => r.intervals.flatMap((i) => i.rows).filter((x) => x.location.fn === 'udp_queue_rcv_one_skb' && x.reason === 'SOCKET_RCVBUFF').reduce((a, x) => a + x.count, 0);
      await r.until('999 receive-buffer drops', () => total() >= 999);
    } finally {
      await r.session.stop();
    }
    assert.equal(r.closed?.error, undefined);
    assert.ok(r.messages.some((m) => m.kind === 'stopped'), 'the script reports that it restored the host');
    await hostRestored(r.session.marker, before, known);
    assert.equal(globalEnable(), before, 'the global enable reads as before');
    assert.ok(instance && !fs.existsSync(instance), 'the session\'s instance (and its enable) is gone');
    const rows = (await Promise.all(r.intervals.map((iv) => attributor.report(iv, 1)))).flatMap((x) => x.rows).filter((x) => x.reason === 'SOCKET_RCVBUFF' && x.fn === 'udp_queue_rcv_one_skb');
    assert.ok(rows.length >= 1);
    for (const x of rows) assert.deepEqual([x.verdict, ...x.sites.map((s) => `${s.file}:${s.line}`)], ['drop', `net/ipv4/udp.c:${v4}`]);
  });

  test('a user sudo does not allow: "needs a password or is not allowed", nothing runs as root, nothing changed', async () => {
    const before = globalEnable();
    const instances = netpathInstances();
    const r = new Recorded({ host: `${DENIED}@${HOST_ALIAS}`, sshConfig: sshd.sshConfig, intervalS: 1, sudo: true, source: 'tracefs' });
    r.session.start();
    try {
      await r.until('the session to end', () => r.closed !== undefined);
    } finally {
      await r.session.stop();
    }
    assert.match(r.closed?.error ?? '', new RegExp(`sudo -n on ${DENIED}@${HOST_ALIAS} needs a password or is not allowed: allow the user to run "sh -s" without one, or log in as root`));
    assert.deepEqual(r.messages.map((m) => m.kind), [], 'the script never ran');
    assert.equal(globalEnable(), before);
    assert.deepEqual(netpathInstances(), instances);
  });
});
