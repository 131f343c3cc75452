// Cuts the live-drop session script's output into messages. Every line the script prints
// itself starts with the session's random marker; the rows of an interval are `C <count>
// <location> <reason>` between its BEGIN and END. An interval counts only when its END arrives
// with its BEGIN's sequence number; rows that cannot be read are counted, never guessed.
import { parseReasonFormat } from '../engine/probes/host-facts';
import { parseLocation, type FreeLocation } from './trace-line';

export interface SessionHello {
  kind: 'hello';
  pid: number;
  /** The host's `uname -r`. */
  release: string;
  /** The tracefs mount used. */
  tracefs: string;
  /** What the session made and removes at the end: its tracefs instance, or bpftrace's FIFO folder. */
  instance: string;
  /** The global `events/skb/kfree_skb/enable` as found (the session never writes it). */
  globalEnable: string;
  /** Whether the session mounted tracefs itself (and unmounts it at the end). */
  mounted: boolean;
  /** bpftrace (counted in the kernel) or tracefs (the event's text through trace_pipe). */
  source: 'bpftrace' | 'tracefs';
}

export interface IntervalRow { location: FreeLocation; reason?: string; count: number }

export interface SessionInterval {
  kind: 'interval';
  seq: number;
  /** Host uptime in seconds when the interval was closed. */
  uptime: number;
  rows: IntervalRow[];
  /** kfree_skb events read in the interval; of them, over the per-interval cap (sampled). */
  events: number;
  capped: number;
  /** Events the kernel's ring buffer lost (`[LOST N EVENTS]`): never attributed, always shown. */
  lost: number;
  /** Over the cap, one event in `sampleEvery` is attributed, weighted by it. */
  sampleEvery: number;
  /** Rows of this interval that could not be read. */
  unreadable: number;
}

export type SessionMessage =
  | SessionHello
  | SessionInterval
  | { kind: 'reasons'; reasons: Map<number, string> }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'stopped'; how: string };

const MAX_ROWS = 100_000;

export class SessionFrames {
  private rest = '';
  private open: SessionInterval | undefined;
  private format: string[] | undefined;
  /** The host's reason table, once sent: bpftrace rows carry the number (`#6`). */
  private reasons: Map<number, string> | undefined;
  /** Lines outside any frame that were not the script's: counted (stderr noise, garbage). */
  stray = 0;
  /** Intervals thrown away (no END, a second BEGIN). */
  discarded = 0;

  constructor(private readonly marker: string) {}

  feed(chunk: string): SessionMessage[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop()!;
    if (this.rest.length > 1 << 20) {
      this.rest = '';
      this.stray++;
    }
    const out: SessionMessage[] = [];
    for (const l of parts) {
      const m = this.line(l);
      if (m) out.push(m);
    }
    return out;
  }

  /** End of stream: an interval still open had no END and is discarded. */
  end(): void {
    if (this.open) this.discarded++;
    this.open = undefined;
  }

  /** `SOCKET_RCVBUFF` as it is, `#6` through the host's table (the number itself when the table lacks it). */
  private reasonName(r: string): string {
    const n = /^#(\d{1,5})$/.exec(r);
    return n ? (this.reasons?.get(Number(n[1])) ?? n[1]) : r;
  }

  private line(line: string): SessionMessage | undefined {
    if (this.format) {
      if (line === `${this.marker} FORMATEND`) {
        const reasons = parseReasonFormat(this.format.join('\n'));
        this.format = undefined;
        this.reasons = reasons;
        return reasons ? { kind: 'reasons', reasons } : undefined;
      }
      if (this.format.length < 64) this.format.push(line);
      return undefined;
    }
    if (line.startsWith('C ') && this.open) {
      const m = /^C (\d{1,15}) (\S+) (\S+)$/.exec(line);
      const location = m ? parseLocation(m[2]) : undefined;
      if (!m || !location || this.open.rows.length >= MAX_ROWS) this.open.unreadable++;
      else this.open.rows.push({ location, count: Number(m[1]), ...(m[3] !== '-' ? { reason: this.reasonName(m[3]) } : {}) });
      return undefined;
    }
    if (!line.startsWith(`${this.marker} `)) {
      this.stray++;
      return undefined;
    }
    const w = line.slice(this.marker.length + 1).split(' ');
    switch (w[0]) {
      case 'HELLO': {
        if (w.length !== 8 || !/^\d+$/.test(w[1]) || (w[7] !== 'bpftrace' && w[7] !== 'tracefs')) break;
        return { kind: 'hello', pid: Number(w[1]), release: w[2], tracefs: w[3], instance: w[4], globalEnable: w[5], mounted: w[6] === '1', source: w[7] };
      }
      case 'FORMAT':
        this.format = [];
        return undefined;
      case 'BEGIN': {
        if (this.open) this.discarded++;
        this.open = undefined;
        const seq = Number(w[1]);
        const uptime = Number(w[2]);
        if (!Number.isInteger(seq) || !Number.isFinite(uptime)) break;
        this.open = { kind: 'interval', seq, uptime, rows: [], events: 0, capped: 0, lost: 0, sampleEvery: 1, unreadable: 0 };
        return undefined;
      }
      case 'STATS': {
        if (!this.open) break;
        const [events, capped, lost, every] = w.slice(1, 5).map(Number);
        if (![events, capped, lost, every].every((n) => Number.isInteger(n) && n >= 0)) break;
        Object.assign(this.open, { events, capped, lost, sampleEvery: Math.max(1, every) });
        return undefined;
      }
      case 'END': {
        const open = this.open;
        this.open = undefined;
        if (!open || String(open.seq) !== w[1]) {
          if (open) this.discarded++;
          break;
        }
        return open;
      }
      case 'ERROR':
        return { kind: 'error', code: w[1] ?? 'unknown', message: w.slice(2).join(' ') };
      case 'STOPPED':
        return { kind: 'stopped', how: w[1] ?? '' };
    }
    this.stray++;
    return undefined;
  }
}
