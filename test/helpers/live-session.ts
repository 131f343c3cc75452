// Drives a live drop session in a test: gathers its messages, waits for them with a bound, and
// reads what the session may have left on this host (the kfree_skb enable files, netpath tracefs
// instances, processes carrying the session's NETPATH_LIVE marker in their environment).
import { after, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { LiveDropSession, type LiveSessionOptions } from '../../server/src/live-drops/session';
import type { SessionInterval, SessionMessage } from '../../server/src/live-drops/session-frames';

export const TRACEFS = '/sys/kernel/tracing';

export class Recorded {
  readonly messages: SessionMessage[] = [];
  closed: { code: number | null; error?: string } | undefined;
  readonly session: LiveDropSession;

  constructor(o: LiveSessionOptions) {
    this.session = new LiveDropSession(o, {
      message: (m) => this.messages.push(m),
      closed: (c) => (this.closed = c),
    });
  }

  get intervals(): SessionInterval[] {
    return this.messages.filter((m): m is SessionInterval => m.kind === 'interval');
  }

  /** Resolves when `pred` holds; rejects after `ms` with what was seen. */
  async until(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; closed=${JSON.stringify(this.closed)} messages=${JSON.stringify(this.messages.map((m) => m.kind))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * tracefs for one file's tests, which read the global enable and the instances from outside a
 * session: mounted before them when this machine left it unmounted (a fresh boot of these
 * machines does) and unmounted after them, so the machine is left as found. Call it first in the
 * describe, before hooks that read tracefs. A session with tracefs unmounted (it mounts tracefs
 * itself and unmounts it at the end) is tested in a private mount namespace instead.
 */
export function useTracefs(): void {
  let mountedHere = false;
  before(() => {
    if (fs.existsSync(`${TRACEFS}/events`)) return;
    if (process.getuid?.() !== 0) throw new Error(`prerequisite missing: root, to mount tracefs at ${TRACEFS}; run the tests as root`);
    const m = spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { encoding: 'utf8', timeout: 10_000 });
    if (m.status !== 0) throw new Error(`prerequisite missing: tracefs at ${TRACEFS} (mount -t tracefs nodev ${TRACEFS}: ${m.error?.message ?? m.stderr.trim()})`);
    mountedHere = true;
  });
  after(() => {
    if (!mountedHere) return;
    const u = spawnSync('umount', [TRACEFS], { encoding: 'utf8', timeout: 10_000 });
    // Busy means something of a session is still open: a leak the tests must see.
    if (u.status !== 0) throw new Error(`umount ${TRACEFS} failed: ${u.error?.message ?? u.stderr.trim()}`);
  });
}

/** The global enable as it reads now. */
export function globalEnable(): string {
  return fs.readFileSync(`${TRACEFS}/events/skb/kfree_skb/enable`, 'utf8').trim();
}

/** What a session makes and must remove: tracefs instances and bpftrace FIFO folders. */
export function netpathInstances(): string[] {
  return [...fs.readdirSync(`${TRACEFS}/instances`).filter((n) => n.startsWith('netpath-')), ...fs.readdirSync('/tmp').filter((n) => n.startsWith('netpath-live-')).map((n) => `/tmp/${n}`)];
}

/** Live processes whose environment holds NETPATH_LIVE=<marker> (every program the script runs); any session's without a marker. */
export function sessionProcesses(marker?: string): number[] {
  const needle = Buffer.from(marker ? `NETPATH_LIVE=${marker}\0` : 'NETPATH_LIVE=@@netpath-');
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/environ`).includes(needle)) out.push(Number(e));
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

export { processTree } from './process-tree';

function alive(pid: number): boolean {
  try {
    // A zombie is gone for our purpose: it holds nothing.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Waits (bounded) until the host is as the session found it: the global enable as before, no
 * netpath instance, no process carrying the marker and none of `known` (the script's shell and
 * the subshells seen while it ran) alive.
 */
export async function hostRestored(marker: string | undefined, enableBefore: string, known: number[] = [], ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  let state = '';
  while (Date.now() < end) {
    const procs = [...new Set([...sessionProcesses(marker), ...known.filter(alive)])];
    const inst = netpathInstances();
    const en = globalEnable();
    state = `global enable ${en} (was ${enableBefore}), instances [${inst.join(', ')}], session processes [${procs.join(', ')}]`;
    if (!procs.length && !inst.length && en === enableBefore) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the host was not restored within ${ms} ms: ${state}`);
}
