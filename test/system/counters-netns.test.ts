// netpath-test: host
// Interface names are data, never code: in a network namespace made by this test, interfaces
// whose names hold shell metacharacters are read over ssh (sshd and ssh inside the namespace)
// and locally (the CLI inside the namespace); each would create a file if a shell ever ran it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { SshFeed } from '../../live-counters/ssh-feed';
import { CounterRecorder } from '../helpers/counter-recorder';
import { HOST_ALIAS, TestSshd } from '../helpers/sshd';

const repo = path.resolve(__dirname, '..', '..');
const NS = `netpath-t${randomBytes(3).toString('hex')}`;
/** Each name, run by a shell, would create the file after '>' (names are at most 15 bytes). */
const EVIL = ['$(>np1)', '`>np2`', 'a;>np3', 'b|>np4', 'c&>np5', 'd$IFS>np6', `q'"*?[\\`];
const SENTINELS = ['np1', 'np2', 'np3', 'np4', 'np5', 'np6'];
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-netns-cwd-'));
const places = [os.homedir(), cwd, '/', process.cwd()];

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`prerequisite missing: the ip command (Debian package iproute2): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

let sshd: TestSshd | undefined;
before(async () => {
  for (const dir of places) for (const s of SENTINELS) fs.rmSync(path.join(dir, s), { force: true });
  try {
    ip('netns', 'add', NS);
  } catch (e) {
    throw new Error(`cannot create a network namespace (needs CAP_SYS_ADMIN, e.g. run as root): ${(e as Error).message}`, { cause: e });
  }
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  // veth and bridge are built into Debian's kernel; the names go in as argv elements.
  ip('netns', 'exec', NS, 'ip', 'link', 'add', EVIL[0], 'type', 'veth', 'peer', 'name', EVIL[1]);
  ip('netns', 'exec', NS, 'ip', 'link', 'add', EVIL[2], 'type', 'veth', 'peer', 'name', EVIL[3]);
  ip('netns', 'exec', NS, 'ip', 'link', 'add', EVIL[4], 'type', 'veth', 'peer', 'name', EVIL[5]);
  ip('netns', 'exec', NS, 'ip', 'link', 'add', EVIL[6], 'type', 'bridge');
  sshd = await TestSshd.start(NS);
});

after(async () => {
  await sshd?.stop();
  spawnSync('ip', ['netns', 'del', NS]);
  fs.rmSync(cwd, { recursive: true, force: true });
});

function assertNothingRan(): void {
  for (const dir of places) for (const s of SENTINELS) assert.equal(fs.existsSync(path.join(dir, s)), false, `${path.join(dir, s)} was created: an interface name was executed`);
}

test('over ssh: interfaces named with shell metacharacters are read as names, nothing is executed', async () => {
  const rec = new CounterRecorder();
  const feed = new SshFeed({ host: HOST_ALIAS, intervalS: 1, configFile: sshd!.sshConfig, sshCommand: ['ip', 'netns', 'exec', NS, 'ssh'] }, rec);
  try {
    feed.start();
    const s = await rec.until('two samples', () => rec.samples.length >= 2 && rec.samples[1]);
    const keys = new Set(s.readings.map((r) => r.key));
    for (const name of EVIL) {
      assert.ok(keys.has(`dev.${name}.rx_packets`), `/proc/net/dev row of ${name}`);
      assert.ok(keys.has(`sys.${name}.rx_dropped`), `statistics of ${name}`);
      assert.ok(s.statuses.has(`ethtool:${name}`), `ethtool was asked about ${name}`);
    }
    assert.equal(s.statuses.get(`ethtool:${EVIL[0]}`), 'ok', 'veth has driver stats, read under its own name');
    assertNothingRan();
  } finally {
    await feed.stop();
  }
});

test('locally: the CLI inside the namespace reads the same names, nothing is executed', () => {
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '--import', path.join(repo, 'node_modules/tsx/dist/loader.mjs'),
    path.join(repo, 'server/src/cli/entry.ts'), 'counters', '--count', '1', '--json'], { cwd, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  const sample = JSON.parse(r.stdout.trim().split('\n')[0]) as { counters: { dev: Record<string, unknown>; sys: Record<string, unknown> }; status: Record<string, string> };
  for (const name of EVIL) {
    assert.ok(sample.counters.dev[name], `/proc/net/dev row of ${name}`);
    assert.ok(sample.counters.sys[name], `statistics of ${name}`);
    assert.ok(sample.status[`ethtool:${name}`], `ethtool status of ${name}`);
  }
  assertNothingRan();
});
