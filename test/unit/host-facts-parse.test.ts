// The host-facts parser: this machine's real answer (the script run with sh -s), the format's
// quirks written out by hand, and property-based fuzzing: any truncation before the END line is
// refused with a HostFactsError, garbage never throws anything else.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import fc from 'fast-check';
import { hostFactsScript, newFactsMarker } from '../../server/src/engine/probes/host-script';
import { HostFactsError, parseHostFacts, splitSections } from '../../server/src/engine/probes/host-facts-parse';

let marker = '';
let real = '';
/** The real answer with its two long sections cut to their first lines, so each fuzz run stays fast. */
let small = '';

before(() => {
  marker = newFactsMarker();
  const r = spawnSync('sh', ['-s'], { input: hostFactsScript(marker), encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `sh -s on the facts script: ${r.stderr}`);
  real = r.stdout;
  const out: string[] = [];
  let section = '';
  let n = 0;
  for (const l of real.split('\n')) {
    if (l.startsWith(`${marker} FILE `)) {
      section = l.split(' ')[2];
      n = 0;
    } else if (l.startsWith(`${marker} `)) section = '';
    if ((section === 'kallsyms' || section === 'config') && !l.startsWith(marker) && ++n > 300) continue;
    out.push(l);
  }
  small = out.join('\n');
});

test('this machine: release, kallsyms, tools and tracing parse to what the machine says', () => {
  const f = parseHostFacts(real, marker, 'local', '2026-01-01T00:00:00.000Z');
  assert.equal(f.release, os.release());
  assert.equal(f.kallsyms.status, 'ok');
  assert.ok(f.kallsyms.table!.has('ip_rcv'), 'ip_rcv in this machine\'s kallsyms');
  assert.ok(f.kallsyms.table!.size > 10000);
  const stap = spawnSync('stap', ['-V'], { encoding: 'utf8' });
  assert.equal(f.stap.version, /version (\d+\.\d+)/.exec(stap.stderr + stap.stdout)?.[1]);
  assert.equal(f.stap.version, '4.8', 'Debian 12\'s SystemTap');
  assert.equal(f.bpftrace.version, '0.17.0');
  // tracefs may or may not be mounted on this machine (the facts script only reads; it never mounts).
  if (fs.existsSync('/sys/kernel/tracing/events')) {
    assert.equal(f.tracing.tracefs, '/sys/kernel/tracing', 'root sees tracefs');
    assert.equal(f.tracing.kfreeSkb, 'yes');
    assert.equal(f.tracing.kprobeEvents, 'no', 'this kernel has no kprobe_events (see ../shared/notes/systemtap.md)');
    assert.equal(f.tracing.reasons?.get(6), 'SOCKET_RCVBUFF');
  } else {
    assert.equal(f.tracing.tracefs, 'no', 'tracefs is not mounted here');
    assert.equal(f.tracing.reasons, undefined);
  }
  // The kernel config agrees: this kernel is built without kprobes.
  assert.notEqual(f.config.options?.get('CONFIG_KPROBE_EVENTS'), 'y');
  // This kernel is built without modules and has its config in /proc/config.gz.
  assert.equal(f.modules.status, 'missing');
  assert.equal(f.config.source, '/proc/config.gz');
  assert.equal(f.config.options?.get('CONFIG_TAP'), 'y');
});

test('format quirks: module names, a missing tool, an unreadable file, a file without a final newline', () => {
  const m = newFactsMarker();
  const sec = (name: string, body: string, status = 'ok') => `${m} FILE ${name}\n${body}\n${m} STATUS ${status}`;
  const text = [
    'motd noise before the script',
    `${m} BEGIN 1`,
    sec('release', '6.12.117+deb12-amd64\n'),
    sec('kallsyms', '0 t tap_handle_frame\t[tap]\n0 T ip_rcv\n0 t ip_rcv_finish_core.constprop.0\n'),
    sec('modules', 'nf_conntrack 200704 3 xt_conntrack, Live 0x0000000000000000\ntap 28672 1 macvtap, Live 0x0\n'),
    sec('builtin', 'kernel/net/ipv4/udp_tunnel.ko\nkernel/drivers/net/dummy-test.ko.xz\n'),
    sec('config', 'source /boot/config-6.12.117+deb12-amd64\nCONFIG_TAP=m\nCONFIG_KPROBE_EVENTS=y\nCONFIG_X=n\n'),
    sec('stap', '', 'missing'),
    sec('bpftrace', 'bpftrace v0.21.2\n'),
    sec('tracing', 'tracefs denied\nkprobe_pmu yes\ntracepoint_pmu yes\nweird line\n'),
    `${m} FILE kfree_skb_format\nname: kfree_skb`,
    `${m} STATUS denied`,
    `${m} END`,
  ].join('\n');
  const f = parseHostFacts(text, m, 'web1', 't');
  assert.equal(f.release, '6.12.117+deb12-amd64');
  assert.deepEqual(f.kallsyms.table!.get('tap_handle_frame'), ['tap_handle_frame [tap]']);
  assert.deepEqual([...f.modules.names!], ['nf_conntrack', 'tap']);
  assert.deepEqual([...f.builtin.names!], ['udp_tunnel', 'dummy_test']);
  assert.deepEqual([...f.config.options!], [['CONFIG_TAP', 'm'], ['CONFIG_KPROBE_EVENTS', 'y']]);
  assert.deepEqual(f.stap, { status: 'missing' });
  assert.deepEqual(f.bpftrace, { status: 'ok', version: '0.21.2' });
  assert.deepEqual(f.tracing, { tracefs: 'denied', kprobePmu: 'yes', tracepointPmu: 'yes' });
  // A tool whose -V prints no version is an error, not a version.
  const odd = text.replace('bpftrace v0.21.2', 'Segmentation fault');
  assert.deepEqual(parseHostFacts(odd, m, 'web1', 't').bpftrace, { status: 'error' });
});

test('the frame: no BEGIN, another version, a cut, a bad release are HostFactsErrors that say so', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseHostFacts(text, marker, 'h', 't'), (e) => e instanceof HostFactsError && re.test(e.message));
  bad('', /no BEGIN line/);
  bad('sh: 1: Syntax error\n', /no BEGIN line/);
  bad(small.replace(`${marker} BEGIN 1`, `${marker} BEGIN 99`), /script version "99", expected 1/);
  bad(small.slice(0, small.indexOf(`${marker} FILE config`) + `${marker} FILE config\nsource`.length), /truncated: the output stops inside section config/);
  bad(small.slice(0, small.indexOf(`${marker} END`)), /truncated: the output stops after section/);
  bad(small.replace(/(FILE release\n)[^\n]+/, '$1not a release'), /uname -r is not a kernel release/);
  assert.throws(() => splitSections(small, 'not-a-marker'), HostFactsError);
});

test('fuzz: every cut before the END line is refused as truncated; the whole answer parses', () => {
  const end = small.indexOf(`${marker} END`);
  assert.ok(end > 0);
  assert.equal(parseHostFacts(small, marker, 'local', 't').release, os.release());
  fc.assert(fc.property(fc.nat({ max: end - 1 }), (cut) => {
    assert.throws(() => parseHostFacts(small.slice(0, cut), marker, 'local', 't'), HostFactsError);
  }), { numRuns: 300 });
});

test('fuzz: garbage, and real lines shuffled with garbage, give facts or a HostFactsError, nothing else', () => {
  const lines = small.split('\n');
  const garbage = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.array(fc.oneof(fc.constantFrom(...lines), fc.string({ maxLength: 60 }), fc.constantFrom(`${marker} END`, `${marker} STATUS ok`, `${marker} FILE x`, `${marker} BEGIN 1`, '')), { maxLength: 60 }).map((p) => p.join('\n')),
  );
  fc.assert(fc.property(garbage, (text) => {
    try {
      const f = parseHostFacts(text, marker, 'h', 't');
      assert.match(f.release, /^\d+\.\d+/);
    } catch (e) {
      assert.ok(e instanceof HostFactsError, `not a HostFactsError: ${(e as Error).stack}`);
    }
  }), { numRuns: 400 });
});
