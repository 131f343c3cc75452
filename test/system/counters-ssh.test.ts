// netpath-test: host
// The counters feed against a real OpenSSH server on loopback and the real /proc of this machine:
// real UDP drops, sshd killed mid-stream, a changed host key.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { LocalFeed } from '../../live-counters/local-feed';
import { SshFeed } from '../../live-counters/ssh-feed';
import { CounterRecorder } from '../helpers/counter-recorder';
import { HOST_ALIAS, TestSshd } from '../helpers/sshd';
import { UnreadUdpSocket } from '../helpers/udp-drops';

let sshd: TestSshd;
before(async () => {
  sshd = await TestSshd.start();
});
after(async () => {
  await sshd?.stop();
});

function sshFeed(rec: CounterRecorder): SshFeed {
  return new SshFeed({ host: HOST_ALIAS, intervalS: 1, configFile: sshd.sshConfig, keepaliveS: 2, backoffMs: { first: 200, max: 2000 } }, rec);
}

async function assertDropsSeen(rec: CounterRecorder, sock: UnreadUdpSocket, mib = 'snmp.Udp.RcvbufErrors'): Promise<void> {
  const first = await rec.until('a first sample', () => rec.samples.length > 0 && rec.samples.length);
  await sock.flood(2000, 512);
  const s = await rec.until(`a sample with a positive ${mib} rate and socket drops`, () =>
    rec.samples.slice(first).find((x) => (rec.rate(x, mib) ?? 0) > 0 && (rec.rate(x, sock.dropsKey) ?? 0) > 0));
  assert.ok(rec.rate(s, mib)! > 0);
  assert.ok(rec.rate(s, sock.dropsKey)! > 0, `${sock.dropsKey} has a positive rate`);
  const drops = s.readings.find((r) => r.key === sock.dropsKey)!;
  assert.equal(drops.drop, true, 'a socket drops counter is a drop counter (highlighted)');
  assert.ok(drops.counter.value > 1000n, `most of the 2000 datagrams were dropped (${drops.counter.value})`);
  assert.ok(s.totalDropRate > 0, 'the status bar total drop rate is positive');
}

test('over ssh: real UDP drops on loopback give a positive RcvbufErrors rate and the socket\'s drops', async () => {
  const rec = new CounterRecorder();
  const feed = sshFeed(rec);
  const sock = await UnreadUdpSocket.open();
  try {
    feed.start();
    await assertDropsSeen(rec, sock);
    const last = rec.samples[rec.samples.length - 1];
    assert.equal(last.statuses.get('softnet'), 'ok');
    assert.equal(last.statuses.get('ethtool:lo'), 'nostats', 'lo has no driver stats: neutral state');
    assert.ok(last.release.length > 0, 'the host reports uname -r');
  } finally {
    sock.close();
    await feed.stop();
  }
});

test('locally (no ssh): the same drops are seen from /proc', async () => {
  const rec = new CounterRecorder();
  const feed = new LocalFeed(1, rec);
  const sock = await UnreadUdpSocket.open();
  try {
    feed.start();
    await assertDropsSeen(rec, sock);
  } finally {
    sock.close();
    await feed.stop();
  }
});

test('locally, IPv6 on ::1: Udp6RcvbufErrors and the udp6 socket\'s drops rise', async () => {
  const rec = new CounterRecorder();
  const feed = new LocalFeed(1, rec);
  const sock = await UnreadUdpSocket.open('udp6');
  try {
    feed.start();
    await assertDropsSeen(rec, sock, 'snmp6.Udp6RcvbufErrors');
  } finally {
    sock.close();
    await feed.stop();
  }
});

test('sshd killed mid-stream: the feed reconnects and the first rate after it spans the outage (no spike)', async () => {
  const rec = new CounterRecorder();
  const feed = sshFeed(rec);
  try {
    feed.start();
    await rec.until('two samples', () => rec.samples.length >= 2);
    const before = rec.samples.length;
    const lastBefore = rec.raws[before - 1];
    const killedAt = Date.now();
    await sshd.kill();
    await rec.until('a reconnecting state', () => rec.states.some((s) => s.state === 'reconnecting' && s.attempt));
    await sshd.restart();
    const outage = (Date.now() - killedAt) / 1000;
    const s = await rec.until('a sample after reconnecting', () => rec.samples.length > before && rec.samples[before]);
    const raw = rec.raws[before];
    assert.equal(raw.bootId, lastBefore.bootId);
    assert.equal(s.elapsed, raw.uptime - lastBefore.uptime, 'rates use the host\'s own uptime');
    assert.ok(s.elapsed! >= outage - 0.05, `the rate spans the whole outage (${s.elapsed} s of host time, outage ${outage} s)`);
    assert.equal(s.rebooted, false);
    // Every rate is exactly the counter's change over the whole gap: nothing restarted from zero.
    const prev = new Map(rec.samples[before - 1].readings.map((r) => [r.key, r.counter.value]));
    let checked = 0;
    for (const r of s.readings) {
      if (r.rate === undefined || r.wrapped) continue;
      const delta = Number(r.counter.value - prev.get(r.key)!);
      assert.ok(Math.abs(r.rate * s.elapsed! - delta) <= 1e-6 * Math.max(1, delta), `${r.key}: rate ${r.rate} over ${s.elapsed} s vs delta ${delta}`);
      checked++;
    }
    assert.ok(checked > 100, `rates were computed for the counters after reconnecting (${checked})`);
    assert.ok(!s.readings.some((r) => r.reset), 'no counter is taken for reset by a reconnect');
  } finally {
    await feed.stop();
  }
});

test('changed host key: a clear error, no data, no retry loop', async () => {
  await sshd.changeHostKey();
  const rec = new CounterRecorder();
  const feed = sshFeed(rec);
  try {
    feed.start();
    const failed = await rec.until('a failed state', () => rec.states.find((s) => s.state === 'failed'));
    assert.match(failed.message ?? '', /host key of netpath-test is not the one in known_hosts/);
    assert.match(failed.message ?? '', /never disables the check/);
    assert.equal(rec.samples.length, 0, 'no snapshot was read');
    assert.ok(!rec.states.some((s) => s.state === 'reconnecting'), 'a host key mismatch is not retried');
  } finally {
    await feed.stop();
    sshd.trustHostKey();
  }
});

test('host key changed while streaming: the reconnect stops with the host key error, no data after it', async () => {
  const rec = new CounterRecorder();
  const feed = sshFeed(rec);
  try {
    feed.start();
    await rec.until('a first sample', () => rec.samples.length >= 1);
    await sshd.changeHostKey();
    const failed = await rec.until('a failed state', () => rec.states.find((s) => s.state === 'failed'));
    assert.match(failed.message ?? '', /host key of netpath-test is not the one in known_hosts/);
    const samples = rec.samples.length;
    const after = rec.states.length;
    // The feed is stopped: no reconnect attempt, no sample, whatever happens next.
    await sshd.restart();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(rec.samples.length, samples);
    assert.equal(rec.states.length, after);
  } finally {
    await feed.stop();
    sshd.trustHostKey();
  }
});

const repo = path.resolve(__dirname, '..', '..');
const cliArgv = (...args: string[]) => ['--import', 'tsx', path.join(repo, 'server/src/cli/entry.ts'), 'counters', ...args];

test('CLI over ssh: one JSON object per snapshot, counters under source and name with value and rate', async () => {
  const child = spawn(process.execPath, cliArgv('--host', HOST_ALIAS, '--ssh-config', sshd.sshConfig, '--count', '2', '--json'), { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { host: string; counters: { snmp: { Udp: { RcvbufErrors: { value: number; rate: number | null } } } } });
  assert.equal(lines.length, 2);
  assert.equal(lines[0].host, HOST_ALIAS);
  assert.equal(lines[0].counters.snmp.Udp.RcvbufErrors.rate, null, 'no rate on the first snapshot');
  assert.equal(typeof lines[1].counters.snmp.Udp.RcvbufErrors.value, 'number');
  assert.equal(typeof lines[1].counters.snmp.Udp.RcvbufErrors.rate, 'number');
});

test('CLI: a host that could be an option or shell text is refused before ssh runs (exit 2)', () => {
  for (const bad of ['-oProxyCommand=touch /tmp/x', 'a;id', '$(id)', 'host name']) {
    const r = spawnSync(process.execPath, cliArgv('--host', bad, '--count', '1'), { cwd: repo, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /is not a host/);
  }
});
