// Local mode: the same sources read directly from /proc and /sys by this process, no ssh, no
// shell. ethtool runs with an argument array, so interface names are never parsed by a shell.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CounterFeed, FeedListener } from './feed';
import { FILE_SOURCES, validateInterval } from './remote-script';
import type { RawSnapshot, RawSource } from './types';

const SYS_NET = '/sys/class/net';

async function readSource(file: string): Promise<RawSource> {
  try {
    return { status: 'ok', text: await fs.readFile(file, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { status: code === 'ENOENT' ? 'missing' : code === 'EACCES' || code === 'EPERM' ? 'denied' : 'error', text: '' };
  }
}

async function readFirstLine(file: string): Promise<string> {
  return (await fs.readFile(file, 'utf8')).split('\n')[0].trim();
}

/** /sys/class/net/IF/statistics/NAME as `grep -H .` prints them, so one parser reads both modes. */
async function sysStatistics(ifnames: string[]): Promise<RawSource> {
  const lines: string[] = [];
  for (const ifname of ifnames) {
    const dir = path.join(SYS_NET, ifname, 'statistics');
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue; // the interface vanished meanwhile
    }
    for (const n of names.sort()) {
      try {
        lines.push(`${dir}/${n}:${(await fs.readFile(path.join(dir, n), 'utf8')).trim()}`);
      } catch {
        // unreadable or vanished: the remote script's grep skips these too
      }
    }
  }
  return { status: 'ok', text: lines.join('\n') };
}

function ethtool(ifname: string): Promise<RawSource> {
  return new Promise((resolve) => {
    execFile('ethtool', ['-S', ifname], { timeout: 5000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => {
      if (!err) return resolve({ status: 'ok', text: stdout });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ status: 'missing', text: '' });
      const exit = (err as { code?: unknown }).code;
      resolve({ status: exit === 94 ? 'nostats' : exit === 96 ? 'missing' : 'error', text: '' });
    });
  });
}

export async function readLocalSnapshot(): Promise<RawSnapshot> {
  const uptime = Number((await readFirstLine('/proc/uptime')).split(/\s+/)[0]);
  const bootId = await readFirstLine('/proc/sys/kernel/random/boot_id');
  const release = await readFirstLine('/proc/sys/kernel/osrelease');
  const sources = new Map<string, RawSource>();
  for (const [id, file] of FILE_SOURCES) sources.set(id, await readSource(file));
  const ifnames = (await fs.readdir(SYS_NET).catch(() => [] as string[])).sort();
  sources.set('sys', await sysStatistics(ifnames));
  for (const ifname of ifnames) sources.set(`ethtool:${ifname}`, await ethtool(ifname));
  return { uptime, bootId, release, sources };
}

/** The `driver:<ifname>` sources the remote script prints once a session (drivers.ts reads them). */
export async function readLocalDrivers(): Promise<Map<string, RawSource>> {
  const out = new Map<string, RawSource>();
  for (const ifname of (await fs.readdir(SYS_NET).catch(() => [] as string[])).sort()) {
    const dir = path.join(SYS_NET, ifname);
    const lines = [`type ${(await fs.readFile(path.join(dir, 'type'), 'utf8').catch(() => '')).trim()}`];
    const link = await fs.readlink(path.join(dir, 'device', 'driver')).catch(() => undefined);
    if (link) lines.push(`sysfs ${path.basename(link)}`);
    const info = await new Promise<string>((resolve) => execFile('ethtool', ['-i', ifname], { timeout: 5000 }, (err, stdout) => resolve(err ? '' : stdout)));
    const drv = /^driver: (\S+)$/m.exec(info)?.[1];
    if (drv) lines.push(`ethtool ${drv}`);
    out.set(`driver:${ifname}`, { status: 'ok', text: lines.join('\n') });
  }
  return out;
}

export class LocalFeed implements CounterFeed {
  readonly host = 'local';
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private stopped = false;
  private first = true;
  private readonly intervalMs: number;

  constructor(intervalS: number, private readonly listener: FeedListener) {
    this.intervalMs = validateInterval(intervalS) * 1000;
  }

  start(): void {
    this.listener.state({ state: 'streaming' });
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  /** A slow read skips ticks instead of piling them up. */
  private async tick(): Promise<void> {
    if (this.inFlight || this.stopped) return;
    this.inFlight = true;
    try {
      const snap = await readLocalSnapshot();
      // Drivers once a session, as the remote script does.
      if (this.first) for (const [id, src] of await readLocalDrivers()) snap.sources.set(id, src);
      this.first = false;
      if (!this.stopped) this.listener.snapshot(snap);
    } catch (e) {
      this.listener.state({ state: 'failed', message: `reading /proc failed: ${(e as Error).message}` });
    } finally {
      this.inFlight = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.listener.state({ state: 'stopped' });
  }
}
