// Cuts the script's output stream into snapshots. A snapshot counts only when its END marker
// arrives with the same sequence number as its BEGIN: a stream cut mid-snapshot (ssh died, host
// froze), garbage, or a second BEGIN discards what was gathered. Memory is bounded per snapshot.
import type { RawSnapshot, SourceStatus } from './types';

const STATUSES: ReadonlySet<string> = new Set(['ok', 'missing', 'denied', 'error', 'nostats']);
/** A snapshot larger than this is garbage (a real one is tens of kB); it is dropped. */
export const MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

interface Pending {
  seq: string;
  snap: RawSnapshot;
  file?: { id: string; lines: string[] };
  bytes: number;
}

export class FrameParser {
  private rest = '';
  private pending: Pending | undefined;
  /** Snapshots thrown away (no END, garbage): shown in the panel's status. */
  discarded = 0;

  constructor(private readonly marker: string) {}

  /** Feeds a chunk of output; returns the snapshots it completed. */
  feed(chunk: string): RawSnapshot[] {
    const done: RawSnapshot[] = [];
    const text = this.rest + chunk;
    const parts = text.split('\n');
    this.rest = parts.pop()!;
    if (this.rest.length > MAX_SNAPSHOT_BYTES) {
      this.rest = '';
      this.drop();
    }
    for (const line of parts) {
      const snap = this.line(line);
      if (snap) done.push(snap);
    }
    return done;
  }

  /** The stream ended: whatever was in progress is incomplete. */
  end(): void {
    this.rest = '';
    this.drop();
  }

  private drop(): undefined {
    if (this.pending) this.discarded++;
    this.pending = undefined;
    return undefined;
  }

  private line(line: string): RawSnapshot | undefined {
    if (!line.startsWith(this.marker + ' ')) {
      const p = this.pending;
      if (p?.file) {
        p.file.lines.push(line);
        p.bytes += line.length + 1;
        if (p.bytes > MAX_SNAPSHOT_BYTES) this.drop();
      }
      return undefined;
    }
    const [kind, ...args] = line.slice(this.marker.length + 1).split(' ');
    const p = this.pending;
    switch (kind) {
      case 'BEGIN': {
        this.drop();
        const [seq, up, bootId, release] = args;
        const uptime = Number(up);
        if (!seq || !up || !Number.isFinite(uptime) || uptime < 0 || !bootId) return undefined;
        this.pending = { seq, snap: { uptime, bootId, release: release ?? '', sources: new Map() }, bytes: 0 };
        return undefined;
      }
      case 'FILE':
        if (!p || p.file || !args[0]) return this.drop();
        p.file = { id: args[0], lines: [] };
        return undefined;
      case 'STATUS': {
        if (!p?.file || !STATUSES.has(args[0])) return this.drop();
        const ls = p.file.lines;
        if (ls.length && ls[ls.length - 1] === '') ls.pop();
        p.snap.sources.set(p.file.id, { status: args[0] as SourceStatus, text: ls.join('\n') });
        p.file = undefined;
        return undefined;
      }
      case 'END':
        if (!p || p.file || args[0] !== p.seq) return this.drop();
        this.pending = undefined;
        return p.snap;
      default:
        return this.drop();
    }
  }
}
