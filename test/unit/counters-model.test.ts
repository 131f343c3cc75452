// The snapshot framing (on the real remote script's output, run by the real sh of this machine)
// and the rate model: host uptime, u32 wrap vs reset, reboot, BigInt, cpus and sockets coming and going.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameParser } from '../../live-counters/frames';
import { CounterModel } from '../../live-counters/model';
import { sampleJson } from '../../live-counters/output';
import { newMarker, remoteScript, validateInterval } from '../../live-counters/remote-script';
import type { RawSnapshot } from '../../live-counters/types';
import { driversOf, interfaceOfKey, parseDriver } from '../../live-counters/drivers';
import { readLocalDrivers } from '../../live-counters/local-feed';

/** Output of the real script under /bin/sh, two snapshots, cut off by killing the shell. */
async function scriptOutput(marker: string): Promise<string> {
  const sh = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'inherit'] });
  sh.stdin.end(remoteScript(1, marker));
  let out = '';
  sh.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { sh.kill(); reject(new Error('the script printed no two snapshots in 10 s')); }, 10000);
    sh.stdout.on('data', (d: string) => {
      out += d;
      if (out.split(`${marker} END `).length > 2) {
        clearTimeout(t);
        sh.kill();
        resolve(out.slice(0, out.lastIndexOf(`${marker} END `)) + out.slice(out.lastIndexOf(`${marker} END `)).split('\n')[0] + '\n');
      }
    });
  });
}

test('frames: the real script\'s output gives complete snapshots however it is chunked, and a cut one is discarded', async () => {
  const marker = newMarker();
  const out = await scriptOutput(marker);
  const whole = new FrameParser(marker).feed(out);
  assert.equal(whole.length, 2);
  assert.ok(whole[0].sources.get('snmp')!.text.includes('Udp:'));
  assert.equal(whole[0].sources.get('ethtool:lo')?.status, 'nostats');
  // Drivers once a session: lo is the loopback by its ARPHRD type; the local feed reads the same.
  assert.equal(driversOf(whole[0]).get('lo'), 'loopback');
  assert.equal([...whole[1].sources.keys()].filter((k) => k.startsWith('driver:')).length, 0);
  const local = driversOf({ uptime: 0, bootId: '', release: '', sources: await readLocalDrivers() });
  assert.deepEqual(local, driversOf(whole[0]));
  await fc.assert(fc.asyncProperty(fc.array(fc.nat({ max: out.length }), { maxLength: 20 }), async (cuts) => {
    const p = new FrameParser(marker);
    const bounds = [0, ...cuts.sort((a, b) => a - b), out.length];
    const got: RawSnapshot[] = [];
    for (let i = 1; i < bounds.length; i++) got.push(...p.feed(out.slice(bounds[i - 1], bounds[i])));
    assert.deepEqual(got, whole);
  }), { numRuns: 50 });
  // Truncated anywhere: only snapshots whose END line arrived whole count.
  fc.assert(fc.property(fc.nat({ max: out.length }), (cut) => {
    const p = new FrameParser(marker);
    const got = p.feed(out.slice(0, cut));
    p.end();
    const ends = out.slice(0, cut).split('\n').slice(0, -1).filter((l) => l.startsWith(`${marker} END `)).length;
    assert.equal(got.length, ends);
  }), { numRuns: 200 });
});

test('frames: garbage and a second BEGIN discard the snapshot in progress', () => {
  const m = newMarker();
  const p = new FrameParser(m);
  const snap = (n: number, body = '') => `${m} BEGIN ${n} 10.5 b r\n${m} FILE snmp\nUdp: A\nUdp: 1\n${body}\n${m} STATUS ok\n${m} END ${n}\n`;
  assert.equal(p.feed(snap(1)).length, 1);
  assert.equal(p.feed(`${m} BEGIN 2 11 b r\n${m} FILE snmp\nUdp: A\n`).length, 0);
  assert.equal(p.feed(snap(3)).length, 1, 'a new BEGIN starts over');
  assert.equal(p.discarded, 1);
  assert.equal(p.feed(`${m} BEGIN 4 12 b r\n${m} BOGUS\n${m} END 4\n`).length, 0);
  assert.equal(p.feed(`${m} BEGIN 5 12 b r\n${m} END 6\n`).length, 0, 'END of another snapshot');
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (g) => {
    const q = new FrameParser(m);
    q.feed(g + '\n');
    assert.equal(q.feed(snap(9)).length, 1, 'a good snapshot after garbage lines is read');
  }), { numRuns: 200 });
});

test('the interval is a validated integer; nothing else reaches the script', () => {
  assert.equal(validateInterval('5'), 5);
  for (const bad of ['1;id', '0', '3601', '1.5', '', '$(id)', 2.5, -1]) assert.throws(() => validateInterval(bad), /whole number of seconds/);
  assert.throws(() => remoteScript(1, "@@netpath-'; id"), /bad snapshot marker/);
});

function raw(uptime: number, bootId: string, softnet: Array<[number, number]>, extra: Record<string, string> = {}): RawSnapshot {
  const rows = softnet.map(([cpu, dropped]) => [0, dropped, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, cpu, 0, 0].map((v) => (v >>> 0).toString(16).padStart(8, '0')).join(' ')).join('\n');
  const sources = new Map(Object.entries({ softnet: rows, ...extra }).map(([k, text]) => [k, { status: 'ok' as const, text }]));
  return { uptime, bootId, release: '6.1.0-test', sources };
}

test('model: rates per second of host uptime; a u32 wrap is told from a reset; reboot gives no rates', () => {
  const m = new CounterModel();
  const rate = (s: ReturnType<CounterModel['update']>, key: string) => s.readings.find((r) => r.key === key);
  assert.equal(rate(m.update(raw(100, 'A', [[0, 10]])), 'softnet.cpu0.dropped')!.rate, undefined, 'first sample: no rate');
  assert.equal(rate(m.update(raw(102, 'A', [[0, 30]])), 'softnet.cpu0.dropped')!.rate, 10, '20 over 2 s of host time');
  m.update(raw(103, 'A', [[0, 0xfffffff0]]));
  const w = rate(m.update(raw(104, 'A', [[0, 0x10]])), 'softnet.cpu0.dropped')!;
  assert.equal(w.wrapped, true);
  assert.equal(w.rate, 0x20);
  m.update(raw(105, 'A', [[0, 0x7fffffff]]));
  const back = rate(m.update(raw(106, 'A', [[0, 5]])), 'softnet.cpu0.dropped')!;
  assert.equal(back.reset, 'backwards', 'a drop by more than half the range is a reset, not a wrap');
  assert.equal(back.rate, undefined);
  const reboot = m.update(raw(3, 'B', [[0, 1]]));
  assert.equal(reboot.rebooted, true);
  assert.ok(reboot.readings.every((r) => r.rate === undefined));
  assert.equal(rate(m.update(raw(4, 'B', [[0, 2]])), 'softnet.cpu0.dropped')!.rate, 1);
  assert.equal(m.update(raw(2, 'B', [[0, 3]])).rebooted, true, 'uptime going backwards is a reboot too');
});

test('model: 64-bit counters beyond 2^53 are exact; a 64-bit counter going backwards is a reset', () => {
  const m = new CounterModel();
  const base = 2n ** 60n;
  const snmp = (v: bigint) => ({ snmp: `Udp: InDatagrams RcvbufErrors\nUdp: ${v} ${v}\n` });
  m.update(raw(1, 'A', [], snmp(base)));
  const s = m.update(raw(2, 'A', [], snmp(base + 3n)));
  assert.equal(s.readings.find((r) => r.key === 'snmp.Udp.RcvbufErrors')!.rate, 3);
  assert.equal(s.totalDropRate, 3, 'RcvbufErrors counts in the total drop rate');
  const r = m.update(raw(3, 'A', [], snmp(base - 1n))).readings.find((x) => x.key === 'snmp.Udp.RcvbufErrors')!;
  assert.equal(r.reset, 'backwards');
});

test('model: cpus going offline and online, sockets appearing and vanishing', () => {
  const m = new CounterModel();
  m.update(raw(1, 'A', [[0, 1], [1, 1], [2, 1]]));
  const off = m.update(raw(2, 'A', [[0, 2], [2, 3]]));
  assert.deepEqual(off.readings.filter((r) => r.counter.name === 'dropped').map((r) => [r.key, r.rate]), [['softnet.cpu0.dropped', 1], ['softnet.cpu2.dropped', 2]]);
  assert.equal(m.size, 2 * 14);
  const on = m.update(raw(3, 'A', [[0, 2], [1, 9], [2, 3]]));
  assert.equal(on.readings.find((r) => r.key === 'softnet.cpu1.dropped')!.rate, undefined, 'a cpu back online starts without a rate');
  const udp = (drops: number) => ({ udp: ` 1: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 77 2 0 ${drops}\n` });
  m.update(raw(4, 'A', [], udp(1)));
  assert.equal(m.update(raw(5, 'A', [], udp(4))).readings.find((r) => r.key === 'udp.127.0.0.1:8080#77.drops')!.rate, 3);
  assert.equal(m.update(raw(6, 'A', [])).readings.length, 0, 'the socket vanished');
  assert.equal(m.size, 0);
});

test('model: random u32 sequences with wraps never give a negative or absurd rate', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 10 })), { minLength: 2, maxLength: 30 }), fc.nat({ max: 2 ** 32 - 1 }), (steps, start) => {
    const m = new CounterModel();
    let v = start, t = 1;
    m.update(raw(t, 'A', [[0, v]]));
    for (const [inc, dt] of steps) {
      v = (v + inc) % 2 ** 32;
      t += dt;
      const r = m.update(raw(t, 'A', [[0, v]])).readings.find((x) => x.key === 'softnet.cpu0.dropped')!;
      assert.equal(r.rate, inc / dt);
    }
  }), { numRuns: 200 });
});

test('JSON output: counters nested by source, group and name; host-supplied names cannot touch prototypes', () => {
  const m = new CounterModel();
  const dev = (n: number) => ({ dev: `  __proto__: ${n} 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n constructor: 5 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n` });
  m.update(raw(1, 'A', [], dev(1)));
  const line = sampleJson('h', m.update(raw(2, 'A', [], { ...dev(3), snmp: 'Udp: RcvbufErrors\nUdp: 18446744073709551615\n' })));
  assert.equal(({} as Record<string, unknown>).rx_bytes, undefined, 'Object.prototype untouched');
  assert.match(line, /"RcvbufErrors":\{"value":18446744073709551615,"rate":null\}/, 'a 64-bit value is written exactly');
  const o = JSON.parse(line);
  assert.equal(o.counters.dev['__proto__'].rx_bytes.rate, 2);
  assert.equal(o.counters.dev.constructor.rx_bytes.value, 5);
});

test('drivers: ethtool before sysfs before the loopback type; anything not a driver name is ignored', () => {
  assert.equal(parseDriver('type 1\nsysfs virtio_net\nethtool virtio_net\n'), 'virtio_net');
  assert.equal(parseDriver('type 1\nethtool veth\n'), 'veth');
  assert.equal(parseDriver('type 1\nsysfs ixgbe\n'), 'ixgbe');
  assert.equal(parseDriver('type 772\n'), 'loopback');
  assert.equal(parseDriver('type 1\n'), undefined);
  assert.equal(parseDriver('type 1\nethtool $(id)\nsysfs a;b\n'), undefined);
  fc.assert(fc.property(fc.string(), (t) => {
    const d = parseDriver(t);
    assert.ok(d === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(d));
  }), { numRuns: 300 });
  assert.equal(interfaceOfKey('sys.eth0.rx_dropped'), 'eth0');
  assert.equal(interfaceOfKey('dev.br.lan.rx_drop'), 'br.lan');
  assert.equal(interfaceOfKey('snmp.Udp.RcvbufErrors'), undefined);
});
