// `npm run bench -- counters [--host H --ssh-config F] [--snapshots N] [--json]`
//
// Live counters: (1) one snapshot over loopback ssh, from its first byte to its last plus parsing
// and the rate model, on a long-lived connection (goal ≤ 100 ms); without --host a throwaway sshd
// with generated keys is started on 127.0.0.1, as the tests do. The connection set-up is reported
// apart. (2) An hour of 1 Hz samples, simulated from a real snapshot of this machine with counters
// moving and sockets appearing and vanishing, through the model and the panel's view state: the
// heap after GC must stay flat (last 10 minutes within 10 % + 2 MB of the first 10).
import { spawn } from 'node:child_process';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { CountersViewState } from '../client/src/counters-state';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { FrameParser } from '../live-counters/frames';
import { readLocalSnapshot } from '../live-counters/local-feed';
import { CounterModel } from '../live-counters/model';
import { newMarker, remoteScript } from '../live-counters/remote-script';
import { SshFeed } from '../live-counters/ssh-feed';
import type { RawSnapshot } from '../live-counters/types';
import { HOST_ALIAS, TestSshd } from '../test/helpers/sshd';

const GOALS = { snapshotMs: 100, heapGrowth: 1.1, heapSlackMB: 2 };
const say = (s: string) => process.stderr.write(`bench counters: ${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface SshFigures { connectMs: number; snapshotMs: number[]; parseMs: number[]; bytes: number }

async function measureSsh(host: string, configFile: string | undefined, snapshots: number): Promise<SshFigures> {
  const feed = new SshFeed({ host, intervalS: 1, configFile }, { snapshot: () => undefined, state: () => undefined });
  const marker = newMarker();
  const frames = new FrameParser(marker);
  const model = new CounterModel();
  const t0 = performance.now();
  const child = spawn('ssh', feed.sshArgs(), { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(remoteScript(1, marker));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const fig: SshFigures = { connectMs: 0, snapshotMs: [], parseMs: [], bytes: 0 };
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    let begin: number | undefined;
    let n = 0;
    const timer = setTimeout(() => reject(new Error(`no ${snapshots} snapshots in ${snapshots + 20} s: ${stderr}`)), (snapshots + 20) * 1000);
    child.on('close', () => reject(new Error(`ssh exited: ${stderr}`)));
    child.stdout.on('data', (chunk: string) => {
      const now = performance.now();
      if (begin === undefined && chunk.includes(`${marker} BEGIN `)) begin = now;
      fig.bytes += chunk.length;
      const p0 = performance.now();
      const done = frames.feed(chunk);
      for (const s of done) model.update(s);
      if (!done.length) return;
      const end = performance.now();
      if (n++ === 0) fig.connectMs = end - t0;
      else {
        fig.snapshotMs.push(end - begin!);
        fig.parseMs.push(end - p0);
      }
      begin = undefined;
      if (n > snapshots) {
        clearTimeout(timer);
        child.removeAllListeners('close');
        child.kill();
        resolve();
      }
    });
  });
  fig.bytes = Math.round(fig.bytes / (snapshots + 1));
  return fig;
}

/** An hour of 1 Hz samples: counters rise, one UDP socket opens and one closes every 10 s. */
async function simulateHour(): Promise<{ heapMB: number[]; counters: number[]; ms: number }> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const base = await readLocalSnapshot();
  const model = new CounterModel();
  const view = new CountersViewState();
  const heapMB: number[] = [];
  const counters: number[] = [];
  const t0 = performance.now();
  for (let t = 0; t < 3600; t++) {
    const sources = new Map(base.sources);
    const softnet = base.sources.get('softnet')!.text.split('\n').filter(Boolean)
      .map((row) => row.split(' ').map((v, i) => (i < 2 ? ((parseInt(v, 16) + t * (i ? 3 : 1000)) >>> 0).toString(16).padStart(8, '0') : v)).join(' ')).join('\n');
    sources.set('softnet', { status: 'ok', text: softnet });
    const udp = Array.from({ length: 20 }, (_, k) => {
      const inode = Math.floor(t / 10) + k; // one socket replaced every 10 s
      return ` ${k}: 0100007F:${(10000 + (inode % 50000)).toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 ${inode} 2 0 ${t}`;
    }).join('\n');
    sources.set('udp', { status: 'ok', text: udp });
    const raw: RawSnapshot = { ...base, uptime: base.uptime + t, sources };
    view.apply('sim', model.update(raw), '6.1');
    if ((t + 1) % 600 === 0) {
      gc();
      heapMB.push(process.memoryUsage().heapUsed / 1048576);
      counters.push(model.size);
    }
  }
  return { heapMB, counters, ms: performance.now() - t0 };
}

export async function runCountersBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: ['host', 'ssh-config', 'snapshots'] });
  const snapshots = Number(args.options.get('snapshots') ?? 10);
  if (!Number.isInteger(snapshots) || snapshots < 1 || snapshots > 600) throw new UsageError('--snapshots must be 1 to 600');
  let sshd: TestSshd | undefined;
  let host = args.options.get('host');
  let config = args.options.get('ssh-config');
  try {
    if (!host) {
      sshd = await TestSshd.start();
      host = HOST_ALIAS;
      config = sshd.sshConfig;
      say(`throwaway sshd on 127.0.0.1:${sshd.port}`);
    }
    const ssh = await measureSsh(host, config, snapshots);
    const snap = median(ssh.snapshotMs);
    say(`over ssh to ${host}: connect + first snapshot ${ssh.connectMs.toFixed(0)} ms; one snapshot (first byte to parsed and modelled) median ${snap.toFixed(1)} ms over ${ssh.snapshotMs.length} (min ${Math.min(...ssh.snapshotMs).toFixed(1)}, max ${Math.max(...ssh.snapshotMs).toFixed(1)}), of which parse + model ${median(ssh.parseMs).toFixed(1)} ms; ${(ssh.bytes / 1024).toFixed(0)} KiB per snapshot`);
    const hour = await simulateHour();
    const [first, last] = [hour.heapMB[0], hour.heapMB[hour.heapMB.length - 1]];
    say(`an hour of 1 Hz samples simulated in ${(hour.ms / 1000).toFixed(1)} s (${(hour.ms / 3600).toFixed(2)} ms per sample): heap after GC every 10 min ${hour.heapMB.map((h) => h.toFixed(1)).join(', ')} MB; counters held ${hour.counters.join(', ')}; last/first ${(last / first).toFixed(3)}`);
    const goals = [
      { name: 'one snapshot over loopback ssh', limit: GOALS.snapshotMs, value: snap, unit: 'ms', pass: snap <= GOALS.snapshotMs },
      { name: 'heap after an hour vs after 10 min', limit: first * GOALS.heapGrowth + GOALS.heapSlackMB, value: last, unit: 'MB', pass: last <= first * GOALS.heapGrowth + GOALS.heapSlackMB },
    ];
    for (const g of goals) say(`goal ${g.pass ? 'met' : 'MISSED'}: ${g.name} ${g.value.toFixed(1)} ${g.unit} (limit ${g.limit.toFixed(1)} ${g.unit})`);
    if (args.flags.has('json')) process.stdout.write(JSON.stringify({ ssh, hour, goals }) + '\n');
    return 0;
  } finally {
    await sshd?.stop();
  }
}
