// /proc/net/udp and udp6: one row per socket. Addresses and queues are hex, `drops` is decimal
// and the LAST column. A socket is keyed by its local address and inode, so a socket that closes
// and another that opens on the same port are different counters.
import type { Counter } from '../types';
import { decimal, fields, hex, lines } from './numbers';

export interface UdpSocket {
  local: string;
  remote: string;
  inode: string;
  rxQueue: bigint;
  drops: bigint;
}

export function parseUdpSockets(text: string): UdpSocket[] {
  const out: UdpSocket[] = [];
  for (const line of lines(text)) {
    const f = fields(line);
    if (f.length < 13 || !/^\d+:$/.test(f[0])) continue;
    const local = address(f[1]);
    const remote = address(f[2]);
    const queues = f[4].split(':');
    const rxQueue = hex(queues[1]);
    const drops = decimal(f[f.length - 1]);
    const inode = decimal(f[9]);
    if (!local || !remote || rxQueue === undefined || drops === undefined || inode === undefined) continue;
    out.push({ local, remote, inode: inode.toString(), rxQueue, drops });
  }
  return out;
}

export function parseUdp(text: string, source = 'udp'): Counter[] {
  return parseUdpSockets(text).flatMap((s) => {
    const group = `${s.local}#${s.inode}`;
    const label = s.remote.startsWith('0.0.0.0:') || s.remote.startsWith('[::]:') ? s.local : `${s.local} -> ${s.remote}`;
    return [
      { source, group, name: 'drops', value: s.drops, width: 32 as const, label },
      { source, group, name: 'rx_queue', value: s.rxQueue, width: 32 as const, gauge: true, label },
    ];
  });
}

/** "0100007F:1F90" -> "127.0.0.1:8080"; 32 hex digits -> "[v6]:port". Words are in host (little-endian) order. */
export function address(s: string): string | undefined {
  const m = s.match(/^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/);
  if (!m) return undefined;
  const port = parseInt(m[2], 16);
  const words = m[1].match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  if (words.length === 1) return `${words[0].match(/../g)!.map((b) => parseInt(b, 16)).join('.')}:${port}`;
  const groups = words.join('').match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  return `[${compressV6(groups)}]:${port}`;
}

function compressV6(groups: string[]): string {
  // Longest run of zero groups becomes "::".
  let best = -1, len = 0;
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > len && j - i > 1) { best = i; len = j - i; }
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + len).join(':')}`;
}
