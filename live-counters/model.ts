// Turns successive snapshots of one host into values and per-second rates.
//  - Time is the host's own uptime, so a slow link or a late snapshot does not distort rates.
//  - A new boot_id, or uptime going backwards, is a reboot: every counter restarts, no rate this time.
//  - A 32-bit counter that goes backwards by a plausible amount wrapped (2^32 is added); anything
//    else going backwards was reset (interface re-created, driver stats cleared): no rate this time.
//  - Counters appear (new cpu, interface, socket) without a rate on their first sample, and
//    vanish from the state when absent, so memory follows what the host has now.
import { isDropCounter, isTotalDropCounter } from './knowledge';
import { parseSnapshot } from './parsers/index';
import { counterKey, type Counter, type RawSnapshot, type SourceStatus } from './types';

const U32 = 1n << 32n;

export interface CounterReading {
  key: string;
  counter: Counter;
  /** Per second over the host's uptime since the previous sample; undefined on a first sample, a reset or for a gauge. */
  rate?: number;
  /** Why there is no rate although there was a previous sample. */
  reset?: 'reboot' | 'backwards';
  /** This sample's delta crossed 2^32. */
  wrapped?: boolean;
  drop: boolean;
}

export interface Sample {
  uptime: number;
  bootId: string;
  release: string;
  /** Seconds of host time since the previous sample (undefined on the first one or after a reboot). */
  elapsed?: number;
  rebooted: boolean;
  readings: CounterReading[];
  statuses: Map<string, SourceStatus>;
  /** Sum of the rates of the counters in counter-knowledge.json `totalDrops`. */
  totalDropRate: number;
}

interface Prev {
  value: bigint;
}

export class CounterModel {
  private prev = new Map<string, Prev>();
  private bootId: string | undefined;
  private uptime: number | undefined;

  /** Number of counters held from the last sample (for the memory benchmark). */
  get size(): number {
    return this.prev.size;
  }

  update(raw: RawSnapshot): Sample {
    const rebooted = this.bootId !== undefined && (raw.bootId !== this.bootId || raw.uptime < this.uptime!);
    const elapsed = this.uptime !== undefined && !rebooted ? raw.uptime - this.uptime : undefined;
    const next = new Map<string, Prev>();
    const readings: CounterReading[] = [];
    let totalDropRate = 0;
    for (const counter of parseSnapshot(raw)) {
      const key = counterKey(counter);
      if (next.has(key)) continue; // the same key twice in one snapshot: keep the first
      next.set(key, { value: counter.value });
      const r: CounterReading = { key, counter, drop: isDropCounter(counter) };
      const before = this.prev.get(key);
      if (rebooted && before) r.reset = 'reboot';
      else if (before && !counter.gauge && elapsed !== undefined && elapsed > 0) {
        let delta = counter.value - before.value;
        if (delta < 0n && counter.width === 32 && before.value < U32 && counter.value < U32 && delta + U32 < U32 / 2n) {
          delta += U32;
          r.wrapped = true;
        }
        if (delta < 0n) r.reset = 'backwards';
        else r.rate = Number(delta) / elapsed;
      }
      if (r.rate !== undefined && r.drop && isTotalDropCounter(key)) totalDropRate += r.rate;
      readings.push(r);
    }
    this.prev = next;
    this.bootId = raw.bootId;
    this.uptime = raw.uptime;
    const statuses = new Map([...raw.sources].map(([id, s]) => [id, s.status] as const));
    return { uptime: raw.uptime, bootId: raw.bootId, release: raw.release, elapsed, rebooted, readings, statuses, totalDropRate };
  }
}
