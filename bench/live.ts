// `npm run bench -- live [--seconds N] [--source bpftrace|tracefs] [--json]` (root): what a live drop session sustains and
// costs at a high drop rate. A UDP socket on 127.0.0.1 that is never read is flooded for N
// seconds by a tight sender (python3: ~300k datagrams/s here, the rate users of similar tools
// quote), first without a session, then with one. Reported: datagrams sent per second both
// times (the tracepoint's cost lands in the sender's own softirq work on loopback), kfree_skb
// events per second the session saw, lost and sampled events, and the CPU of the session's own
// processes on the host (shell, awk, ticker, watchdog: utime+stime from /proc) as % of one core.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { LiveDropSession } from '../server/src/live-drops/session';
import type { SessionInterval, SessionMessage } from '../server/src/live-drops/session-frames';
import { validateSource } from '../server/src/live-drops/session-script';
import { processTree } from '../test/helpers/process-tree';

const say = (s: string) => process.stderr.write(`bench live: ${s}\n`);
const HZ = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s on Linux

const SENDER = `
import socket, sys, time
secs = float(sys.argv[1])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
r.bind(('127.0.0.1', 0))
a = r.getsockname()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = b'x' * 16
end = time.time() + secs
n = 0
while time.time() < end:
    for _ in range(1000):
        s.sendto(b, a)
    n += 1000
print(n)
`;

/** Sends for `secs` seconds (bounded by a kill at secs + 10); returns datagrams per second. */
async function flood(secs: number): Promise<number> {
  const child = spawn('python3', ['-c', SENDER, String(secs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), (secs + 10) * 1000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', resolve);
  });
  clearTimeout(t);
  if (code !== 0) throw new Error(`prerequisite missing or failed: python3 (the sender) exited ${code}`);
  return Number(out.trim()) / secs;
}

/** utime+stime of each process, in seconds. */
function cpu(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of pids) {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').slice(0).split(') ')[1].split(' ');
      m.set(p, (Number(f[11]) + Number(f[12])) / HZ);
    } catch {
      // gone
    }
  }
  return m;
}

export async function runLiveBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: ['seconds', 'source'] });
  const source = validateSource(args.options.get('source') ?? 'auto');
  const secs = Number(args.options.get('seconds') ?? 5);
  if (!Number.isInteger(secs) || secs < 1 || secs > 60) throw new UsageError('--seconds must be 1 to 60');
  if (process.getuid?.() !== 0) throw new Error('prerequisite missing: root (the session enables skb:kfree_skb)');
  const without = await flood(secs);
  say(`without a session: ${(without / 1000).toFixed(0)}k datagrams/s sent (all dropped at the full receive buffer)`);
  const msgs: SessionMessage[] = [];
  const session = new LiveDropSession({ intervalS: 1, source }, { message: (m) => msgs.push(m), closed: () => undefined });
  session.start();
  const until = async (what: string, pred: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const intervals = () => msgs.filter((m): m is SessionInterval => m.kind === 'interval');
  let result;
  try {
    await until('the session', () => intervals().length >= 1, 20_000);
    const hello = msgs.find((m) => m.kind === 'hello');
    if (hello?.kind !== 'hello') throw new Error('no HELLO from the session');
    say(`source: ${hello.source}`);
    const pids = processTree(hello.pid);
    const before = cpu(pids);
    const seqBefore = intervals().length;
    const t0 = Date.now();
    const withSession = await flood(secs);
    // One more interval so the last events of the flood are counted.
    const n = intervals().length;
    await until('the interval after the flood', () => intervals().length > n, 10_000);
    const wall = (Date.now() - t0) / 1000;
    const afterCpu = cpu(pids);
    const used = [...afterCpu].reduce((a, [p, s]) => a + s - (before.get(p) ?? s), 0);
    const ivs = intervals().slice(seqBefore);
    const events = ivs.reduce((a, i) => a + i.events, 0);
    const lost = ivs.reduce((a, i) => a + i.lost, 0);
    const capped = ivs.reduce((a, i) => a + i.capped, 0);
    const attributed = ivs.reduce((a, i) => a + i.rows.reduce((b, r) => b + r.count, 0), 0);
    const peak = Math.max(...ivs.map((i) => i.events + i.lost));
    result = { source: hello.source, seconds: secs, sentPerSWithout: without, sentPerSWith: withSession, events, eventsPerS: events / wall, peakIntervalEvents: peak, lost, capped, attributed, sessionCpuS: used, sessionCpuPctOfCore: (100 * used) / wall };
    say(`with a session: ${(withSession / 1000).toFixed(0)}k datagrams/s sent (${((100 * withSession) / without).toFixed(0)}% of the rate without); the session read ${events} kfree_skb events in ${wall.toFixed(1)} s = ${(events / wall / 1000).toFixed(0)}k/s (busiest interval ${peak}), lost by the ring buffer ${lost}, over the cap ${capped} (1 in 16 attributed), attributed total ${attributed}`);
    say(`host CPU of the session's own processes (sh, awk, bpftrace or ticker): ${used.toFixed(2)} s over ${wall.toFixed(1)} s = ${result.sessionCpuPctOfCore.toFixed(0)}% of one core; the tracepoint's own cost is inside the sender's rate drop above`);
  } finally {
    await session.stop();
  }
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}
