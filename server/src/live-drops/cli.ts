// `netpath drops --live [--host H] [--sudo] [--source S] [--duration S] [--interval S] [--ssh-config F] [--json]
// [--kernel DIR]`: a live drop session on a host (this machine without --host or with --host
// local), each interval attributed to the tree's drop sites and printed sorted by rate.
import { validateInterval } from '../../../live-counters/remote-script';
import { validateHost } from '../../../live-counters/ssh-host';
import type { CallGraph } from '../engine/callgraph/graph';
import type { DropEngine } from '../engine/drops/engine';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DropAttributor, versionGuard, type VersionGuard } from './attribution';
import { DebugInfo } from './debuginfo';
import { reportJson, reportText } from './output';
import { LiveDropSession } from './session';
import { validateSource, type LiveSource } from './session-script';

export interface LiveCliOptions {
  host?: string;
  sudo: boolean;
  duration?: string;
  interval?: string;
  sshConfig?: string;
  source?: string;
  /** The host kernel's vmlinux with DWARF, or an unpacked linux-image-*-dbg folder. */
  debuginfo?: string;
  json: boolean;
}

/** `--debuginfo`: a vmlinux file, or a folder holding usr/lib/debug/boot/vmlinux-<release> (or vmlinux). */
export function findVmlinux(p: string): string {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`--debuginfo ${p}: no such file or folder`);
  if (st.isFile()) return p;
  const boot = path.join(p, 'usr/lib/debug/boot');
  const inBoot = fs.existsSync(boot) ? fs.readdirSync(boot).filter((f) => f.startsWith('vmlinux-')).map((f) => path.join(boot, f)) : [];
  const found = [...inBoot, ...[path.join(p, 'vmlinux')].filter((f) => fs.existsSync(f))];
  if (found.length !== 1) throw new Error(`--debuginfo ${p}: ${found.length ? `several vmlinux files (${found.join(', ')}): give one` : 'no vmlinux in it (usr/lib/debug/boot/vmlinux-<release> or vmlinux)'}`);
  return found[0];
}

export class LiveUsageError extends Error {}

/** Validated options, or a LiveUsageError naming the bad one (before anything is loaded or run). */
export function checkLiveOptions(o: LiveCliOptions): { host?: string; intervalS: number; durationS?: number; source: LiveSource; vmlinux?: string } {
  try {
    const host = o.host === undefined || o.host === 'local' ? undefined : validateHost(o.host);
    const intervalS = o.interval === undefined ? 1 : validateInterval(o.interval);
    let durationS: number | undefined;
    if (o.duration !== undefined) {
      durationS = /^\d{1,6}$/.test(o.duration) ? Number(o.duration) : NaN;
      if (!(durationS >= 1 && durationS <= 86400)) throw new Error(`--duration must be a whole number of seconds from 1 to 86400, not ${JSON.stringify(o.duration)}`);
    }
    const source = validateSource(o.source ?? 'auto');
    const vmlinux = o.debuginfo === undefined ? undefined : findVmlinux(o.debuginfo);
    return { ...(host ? { host } : {}), intervalS, ...(durationS ? { durationS } : {}), source, ...(vmlinux ? { vmlinux } : {}) };
  } catch (e) {
    throw new LiveUsageError((e as Error).message);
  }
}

export async function runLiveDrops(o: LiveCliOptions, tree: { engine: DropEngine; graph: CallGraph; version?: string },
  out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { host, intervalS, durationS, source, vmlinux } = checkLiveOptions(o);
  const name = host ?? 'local';
  const attributor = new DropAttributor(tree.engine, tree.graph, vmlinux ? new DebugInfo(vmlinux) : undefined);
  let guard: VersionGuard = versionGuard(tree.version, undefined);
  let release = '?';
  let lastUptime: number | undefined;
  let queue = Promise.resolve();
  return new Promise<number>((resolve) => {
    let code: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (c: number) => {
      if (code !== undefined) return;
      code = c;
      if (timer) clearTimeout(timer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      void session.stop().then(() => queue).then(() => resolve(c));
    };
    const onSignal = () => finish(130);
    const session = new LiveDropSession({ host, intervalS, sudo: o.sudo, sshConfig: o.sshConfig, source }, {
      message(m) {
        if (m.kind === 'hello') {
          release = m.release;
          guard = versionGuard(tree.version, m.release);
          if (o.json) out.write(JSON.stringify({ session: { host: name, release: m.release, instance: m.instance, pid: m.pid, tracefs: m.tracefs, source: m.source, approximate: guard.approximate, ...(guard.why ? { approximateWhy: guard.why } : {}) } }) + '\n');
          else out.write(`netpath: watching skb:kfree_skb on ${name} (${m.release}) with ${m.source === 'bpftrace' ? `bpftrace (FIFO in ${m.instance})` : `tracefs instance ${m.instance}`}; the host is restored on stop\n${guard.why ? `netpath: ${guard.why}\n` : ''}`);
          if (durationS) timer = setTimeout(() => finish(0), durationS * 1000);
        } else if (m.kind === 'error') {
          err.write(`netpath: drops --live on ${name}: ${m.message}\n`);
          finish(1);
        } else if (m.kind === 'interval') {
          const seconds = lastUptime !== undefined && m.uptime > lastUptime ? m.uptime - lastUptime : intervalS;
          lastUptime = m.uptime;
          queue = queue.then(async () => {
            const rep = await attributor.report(m, seconds);
            out.write(o.json ? reportJson({ host: name, release, guard }, rep) + '\n' : reportText({ host: name, release, guard }, rep));
          });
        }
      },
      closed(info) {
        if (info.error && code === undefined) {
          err.write(`netpath: drops --live: ${info.error}\n`);
          finish(1);
        } else finish(code ?? 0);
      },
    });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    session.start();
  });
}
