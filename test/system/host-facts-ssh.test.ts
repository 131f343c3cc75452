// netpath-test: host
// Host facts collected for real: over a real OpenSSH server on loopback (the counters' test sshd,
// its own keys and known_hosts), locally with sh -s, and as an unprivileged user (what "no root
// needed" means on this machine). The per-host cache, and a changed host key refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { collectHostFacts, factsSshArgs } from '../../server/src/engine/probes/host-collect';
import { hostCacheFile, hostFacts, readHostCache } from '../../server/src/engine/probes/host-cache';
import { hostFactsScript, newFactsMarker } from '../../server/src/engine/probes/host-script';
import { HostFactsError, parseHostFacts } from '../../server/src/engine/probes/host-facts-parse';
import { HOST_ALIAS, TestSshd } from '../helpers/sshd';
import { useTracefs } from '../helpers/live-session';

// Root's facts include the kfree_skb tracepoint, and nobody's a tracefs it may not list: both need it mounted.
useTracefs();
let sshd: TestSshd;
let cache = '';
before(async () => {
  sshd = await TestSshd.start();
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-hosts-'));
});
after(async () => {
  await sshd?.stop();
  fs.rmSync(cache, { recursive: true, force: true });
});

test('over ssh: the loopback host\'s facts are this machine\'s real ones', async () => {
  const { facts } = await collectHostFacts(HOST_ALIAS, { sshConfig: sshd.sshConfig, timeoutMs: 60_000 });
  assert.equal(facts.host, HOST_ALIAS);
  assert.equal(facts.release, os.release());
  assert.ok(facts.kallsyms.table?.has('ip_rcv'), 'ip_rcv in kallsyms');
  assert.equal(facts.stap.version, '4.8');
  assert.equal(facts.bpftrace.version, '0.17.0');
  assert.equal(facts.tracing.kfreeSkb, 'yes', 'the ssh user is root here: it sees tracefs');
  // The same answer as the local run, section by section (the kallsyms of one kernel do not change).
  const { facts: local } = await collectHostFacts('local');
  assert.equal(local.kallsyms.table!.size, facts.kallsyms.table!.size);
  assert.deepEqual([...local.config.options!], [...facts.config.options!]);
});

test('the host is one argv element after --, the remote command fixed; bad hosts never reach ssh', async () => {
  assert.deepEqual(factsSshArgs('web1'), ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '--', 'web1', 'sh -s']);
  for (const bad of ['-oProxyCommand=sh', 'a;b', 'a b', '$(id)']) {
    await assert.rejects(collectHostFacts(bad), /not a host/);
  }
});

test('as an unprivileged user: names readable, tracefs denied, nothing fails', () => {
  const marker = newFactsMarker();
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'sh', '-s'], { input: hostFactsScript(marker), encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `setpriv (util-linux) as nobody: ${r.stderr}`);
  const f = parseHostFacts(r.stdout, marker, 'nobody@local', 't');
  assert.equal(f.release, os.release());
  // Names stay readable without root (the addresses would read as zero; the script zeroes them anyway).
  assert.ok(f.kallsyms.table?.has('ip_rcv'), `kallsyms as nobody: ${f.kallsyms.status}`);
  assert.equal(f.tracing.tracefs, 'denied', 'tracefs is root-only');
  assert.equal(f.tracing.reasons, undefined);
  assert.equal(f.stap.version, '4.8');
});

test('cache: collected once per host with its time, reused while fresh, asked again when old or on refresh', async () => {
  const opts = { cacheRoot: cache, sshConfig: sshd.sshConfig };
  const first = await hostFacts(HOST_ALIAS, opts);
  assert.equal(first.fromCache, false);
  const file = hostCacheFile(cache, HOST_ALIAS);
  assert.ok(fs.existsSync(file));
  assert.match(fs.readFileSync(file, 'utf8').split('\n')[0], new RegExp(`^\\{"host":"${HOST_ALIAS}","collectedAt":"${first.facts.collectedAt}","marker":"@@netpath-facts-[0-9a-f]{16}"\\}$`));
  const again = await hostFacts(HOST_ALIAS, opts);
  assert.equal(again.fromCache, true);
  assert.equal(again.facts.collectedAt, first.facts.collectedAt);
  assert.equal(again.facts.kallsyms.table!.size, first.facts.kallsyms.table!.size);
  const later = await hostFacts(HOST_ALIAS, { ...opts, now: () => Date.parse(first.facts.collectedAt) + 16 * 60_000 });
  assert.equal(later.fromCache, false, 'older than 15 minutes: asked again');
  assert.equal((await hostFacts(HOST_ALIAS, { ...opts, refresh: true })).fromCache, false);
  // A damaged cache file is not trusted (and not an error): the host is asked again.
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 5000));
  assert.equal(readHostCache(cache, HOST_ALIAS), undefined);
  assert.equal((await hostFacts(HOST_ALIAS, opts)).fromCache, false);
});

test('a changed host key is refused with what to do; nothing is read', async () => {
  await sshd.changeHostKey();
  try {
    await assert.rejects(collectHostFacts(HOST_ALIAS, { sshConfig: sshd.sshConfig }), (e) => e instanceof HostFactsError && /host key of netpath-test is not the one in known_hosts/.test(e.message) && /never disables the check/.test(e.message));
  } finally {
    sshd.trustHostKey();
  }
  assert.equal((await collectHostFacts(HOST_ALIAS, { sshConfig: sshd.sshConfig })).facts.release, os.release());
});
