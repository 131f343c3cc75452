// The processes below a pid, read from /proc: sshd's per-connection children and a live drop
// session's subshells call setsid or carry no marker, so neither a process group nor a name finds
// them. Used by the ssh and live-drops tests and by `npm run bench -- live`.
import * as fs from 'node:fs';

/** `pid` and every process below it now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // exited meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}
