// The counters panel's pure state, on real samples of this machine and on hand-made ones: rows
// per source with highlights, bounded sparkline history that forgets vanished counters, the
// per-cpu join, the status bar text, the version guard and the webview's strict CSP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countersCsp, countersHtml } from '../../client/src/counters-html';
import { countersStatusText, CountersViewState, cpuView, isNicIrq, versionWarning } from '../../client/src/counters-state';
import { readLocalSnapshot } from '../../live-counters/local-feed';
import { CounterModel } from '../../live-counters/model';
import type { RawSnapshot } from '../../live-counters/types';

function raw(uptime: number, sources: Record<string, string>): RawSnapshot {
  return { uptime, bootId: 'A', release: '6.1.0-27-amd64', sources: new Map(Object.entries(sources).map(([k, text]) => [k, { status: 'ok' as const, text }])) };
}
const softnet = (processed: number, dropped: number, cpu: number) => [processed, dropped, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, cpu, 0, 0].map((v) => v.toString(16).padStart(8, '0')).join(' ');
const interrupts = (eth: number, tlb: number) => `           CPU0       CPU1\n 30:  ${eth}  0  PCI-MSI 1-edge  eth0-TxRx-0\n 31:  5  5  IO-APIC 4-edge ttyS0\nTLB:  ${tlb}  0  TLB shootdowns\n`;
const softirqs = (n: number) => `                    CPU0       CPU1\n      NET_RX:  ${n}  0\n`;
const dev = 'Inter-|\n face |\n  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n';

test('rows: a rising drop counter is hot, gauges have no rate, sparkline history is bounded and forgets vanished counters', () => {
  const m = new CounterModel();
  const v = new CountersViewState(3);
  const snap = (t: number, drops: number, withUdp: boolean) => raw(t, {
    softnet: `${softnet(100 * t, drops, 0)}\n${softnet(50 * t, 0, 1)}`,
    ...(withUdp ? { udp: ` 1: 0100007F:1F90 00000000:0000 07 00000000:00000100 00:00000000 00000000 0 0 77 2 0 ${drops}\n` } : {}),
  });
  v.apply('h', m.update(snap(1, 0, true)));
  let msg = v.apply('h', m.update(snap(2, 5, true)));
  const rowOf = (key: string) => msg.sources.flatMap((s) => s.rows).find((r) => r.key === key)!;
  assert.equal(rowOf('softnet.cpu0.dropped').hot, true);
  assert.equal(rowOf('softnet.cpu0.dropped').rate, 5);
  assert.equal(rowOf('softnet.cpu0.dropped').sitesName, '/proc/net/softnet_stat:dropped');
  assert.equal(rowOf('softnet.cpu0.processed').hot, false, 'not a drop counter');
  assert.equal(rowOf('udp.127.0.0.1:8080#77.rx_queue').rate, null);
  assert.equal(rowOf('udp.127.0.0.1:8080#77.drops').sitesName, '/proc/net/udp:drops');
  for (let t = 3; t <= 6; t++) msg = v.apply('h', m.update(snap(t, 5 + t, true)));
  assert.equal(rowOf('softnet.cpu0.dropped').history!.length, 3, 'history keeps the last 3 points');
  assert.equal(rowOf('softnet.cpu1.dropped').history, undefined, 'a counter that never moved has no sparkline');
  const withUdp = v.tracked;
  msg = v.apply('h', m.update(snap(7, 20, false)));
  assert.ok(v.tracked < withUdp, 'the vanished socket\'s history is dropped');
  assert.equal(msg.sources.some((s) => s.source === 'udp'), false);
});

test('per-cpu view joins softnet, NET_RX, the NIC queue IRQs and TLB shootdowns', () => {
  const m = new CounterModel();
  m.update(raw(10, { softnet: `${softnet(0, 0, 0)}\n${softnet(0, 0, 1)}`, interrupts: interrupts(0, 0), softirqs: softirqs(0), dev }));
  const s = m.update(raw(12, { softnet: `${softnet(200, 4, 0)}\n${softnet(0, 0, 1)}`, interrupts: interrupts(100, 8), softirqs: softirqs(60), dev }));
  const { cpus, nicIrqNames } = cpuView(s);
  assert.deepEqual(cpus[0], { cpu: 0, processed: 100, dropped: 2, timeSqueeze: 0, netRx: 30, nicIrqs: 50, tlb: 4 });
  assert.deepEqual(nicIrqNames, ['30: eth0-TxRx-0'], 'the serial port IRQ is not a NIC IRQ');
  assert.equal(isNicIrq('virtio0-input.0', new Set(['eth0'])), true);
  assert.equal(isNicIrq('ttyS0', new Set(['eth0'])), false);
});

test('a live sample of this machine renders every source it read', async () => {
  const m = new CounterModel();
  const v = new CountersViewState();
  const msg = v.apply('local', m.update(await readLocalSnapshot()), '6.1.192');
  const names = msg.sources.map((s) => s.source);
  for (const src of ['softnet', 'snmp', 'netstat', 'dev', 'sys', 'interrupts', 'softirqs']) assert.ok(names.includes(src), src);
  assert.ok(msg.cpus.length >= 1);
  assert.ok(msg.sources.find((s) => s.source === 'ethtool'), 'ethtool shown even when a driver has no stats');
});

test('version guard compares major.minor; status bar shows host and total drop rate', () => {
  assert.equal(versionWarning('6.1.192', '6.1.0-27-amd64'), undefined);
  assert.match(versionWarning('6.1.192', '6.12.9-amd64')!, /runs Linux 6\.12\.9-amd64, the indexed tree is 6\.1\.192/);
  assert.equal(versionWarning(undefined, '6.12.9'), undefined);
  assert.deepEqual(countersStatusText('db1', 'streaming', 12.34), { text: '$(pulse) db1 drops 12.3/s', tooltip: 'netpath counters on db1: total drop rate 12.3/s (click to show the panel)', warning: true });
  assert.equal(countersStatusText('db1', 'streaming', 0).warning, false);
  assert.match(countersStatusText('db1', 'failed', undefined, 'host key changed').tooltip, /host key changed/);
});

test('webview HTML: strict CSP with a nonce, no inline script or style, assets only from the webview source', () => {
  const html = countersHtml({ cspSource: 'vscode-webview://x', script: 'vscode-webview://x/panel.js', styles: ['vscode-webview://x/panel.css'] }, 'N0NCE');
  const csp = countersCsp('vscode-webview://x', 'N0NCE');
  assert.ok(html.includes(csp.replace(/'/g, "'")));
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0NCE'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="N0NCE" src="vscode-webview:\/\/x\/panel\.js"><\/script>/);
  assert.doesNotMatch(html, /style="/);
});

test('Now dropping: every drop or error counter rising now, fastest first, with its source', () => {
  const m = new CounterModel();
  const v = new CountersViewState();
  const udp = (drops: number) => ` 1: 0100007F:1F90 00000000:0000 07 00000000:00000100 00:00000000 00000000 0 0 77 2 0 ${drops}\n`;
  const snmp = (inErr: number, rcvbuf: number, inDg: number) => `Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\nUdp: ${inDg} 0 ${inErr} 0 ${rcvbuf} 0 0 0 0\n`;
  v.apply('h', m.update(raw(10, { softnet: softnet(0, 0, 0), snmp: snmp(0, 0, 0), udp: udp(0) })));
  const msg = v.apply('h', m.update(raw(12, { softnet: softnet(100, 2, 0), snmp: snmp(400, 400, 50), udp: udp(400) })));
  // InDatagrams rose too, but it is not a drop counter; softnet dropped rose slowest.
  assert.deepEqual(msg.dropping.map((r) => [r.source, r.name, r.rate]), [
    ['snmp', 'Udp.InErrors', 200], ['snmp', 'Udp.RcvbufErrors', 200], ['udp', '127.0.0.1:8080 drops', 200], ['softnet', 'cpu0.dropped', 1],
  ]);
  assert.ok(msg.dropping.every((r) => r.hot && r.drop));
  assert.equal(msg.dropping.find((r) => r.name === 'Udp.RcvbufErrors')!.sitesName, 'Udp:RcvbufErrors', 'a dropping counter can show its sites');
  const calm = v.apply('h', m.update(raw(14, { softnet: softnet(200, 2, 0), snmp: snmp(400, 400, 50), udp: udp(400) })));
  assert.deepEqual(calm.dropping, [], 'nothing rises: nothing is dropping');
});

test('sparklines carry their scale: the lowest and highest rate and the seconds they cover', () => {
  const m = new CounterModel();
  const v = new CountersViewState(3);
  let msg = v.apply('h', m.update(raw(100, { softnet: softnet(0, 0, 0) })));
  const row = () => msg.sources.flatMap((s) => s.rows).find((r) => r.key === 'softnet.cpu0.dropped')!;
  // Samples 2 s apart, then 1 s: rates 5, 1, then 0 over a 3-point window.
  msg = v.apply('h', m.update(raw(102, { softnet: softnet(0, 10, 0) })));
  assert.deepEqual([row().min, row().max, row().windowS], [5, 5, 2]);
  msg = v.apply('h', m.update(raw(104, { softnet: softnet(0, 12, 0) })));
  msg = v.apply('h', m.update(raw(105, { softnet: softnet(0, 12, 0) })));
  assert.deepEqual(row().history, [5, 1, 0]);
  assert.deepEqual([row().min, row().max, row().windowS], [0, 5, 5]);
  msg = v.apply('h', m.update(raw(106, { softnet: softnet(0, 12, 0) })));
  assert.deepEqual([row().history, row().min, row().max, row().windowS], [[1, 0, 0], 0, 1, 4], 'the window slides with the history');
});

test('per-socket rows: the address once as the name, the inode in the tooltip', () => {
  const m = new CounterModel();
  const v = new CountersViewState();
  const udp = ' 1: 0100007F:1F90 00000000:0000 07 00000000:00000100 00:00000000 00000000 0 0 77 2 0 3\n 2: 0100007F:0035 0200007F:A000 01 00000000:00000000 00:00000000 00000000 0 0 78 2 0 0\n';
  const msg = v.apply('h', m.update(raw(1, { udp })));
  const rows = msg.sources.find((s) => s.source === 'udp')!.rows;
  assert.deepEqual(rows.map((r) => [r.name, r.label, r.tooltip]), [
    ['127.0.0.1:8080 drops', undefined, 'socket inode 77, local 127.0.0.1:8080'],
    ['127.0.0.1:8080 rx_queue', undefined, 'socket inode 77, local 127.0.0.1:8080'],
    ['127.0.0.1:53 -> 127.0.0.2:40960 drops', undefined, 'socket inode 78, local 127.0.0.1:53'],
    ['127.0.0.1:53 -> 127.0.0.2:40960 rx_queue', undefined, 'socket inode 78, local 127.0.0.1:53'],
  ]);
  const snmpRow = v.apply('h', m.update(raw(2, { snmp: 'Udp: InErrors\nUdp: 1\n' }))).sources.find((s) => s.source === 'snmp')!.rows[0];
  assert.equal(snmpRow.name, 'Udp.InErrors', 'other sources keep group.name');
});
