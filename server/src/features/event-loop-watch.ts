// Watches the server's own event loop: a request answered late is usually a request that waited
// behind synchronous work. A 20 ms ticker notices each stall over 50 ms after the fact and keeps
// what the server started meanwhile (request handlers, analysis phases), so a stall can be traced
// to its cause. The responsiveness benchmark (bench/editor.ts) reads it through
// ServerHealthRequest. Pure Node; no LSP types.
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { ServerHealth } from '../../../shared/protocol';

const TICK_MS = 20;
/** A stall worth naming: the editor notices 50 ms (one missed frame of typing feedback is less). */
export const STALL_MS = 50;
const KEEP_STALLS = 20;

export class EventLoopWatch {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  private last = performance.now();
  private since = performance.now();
  private started: string[] = [];
  private stalls: ServerHealth['stalls'] = [];

  private readonly gc: PerformanceObserver;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    // Garbage collection pauses the thread too: a long one is named like any other cause.
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.duration < 10) continue;
        const kind = ((e as unknown as { detail?: { kind?: number } }).detail)?.kind;
        this.note(`garbage collection (${kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'other'}, ${Math.round(e.duration)} ms)`);
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /** Something the server starts (a request handler, an analysis phase): named in a stall it causes. */
  note(what: string): void {
    if (this.started.length < 8) this.started.push(what);
  }

  health(reset: boolean): ServerHealth {
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    const mem = process.memoryUsage();
    const out: ServerHealth = {
      eventLoop: { maxMs: ms(this.histogram.max), p99Ms: ms(this.histogram.percentile(99)), meanMs: ms(this.histogram.mean || 0), sinceMs: Math.round(performance.now() - this.since) },
      stalls: [...this.stalls],
      rssMB: Math.round(mem.rss / 2 ** 20),
      heapUsedMB: Math.round(mem.heapUsed / 2 ** 20),
    };
    if (reset) {
      this.histogram.reset();
      this.stalls = [];
      this.since = performance.now();
    }
    return out;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.gc.disconnect();
    this.histogram.disable();
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.last - TICK_MS;
    this.last = now;
    if (late > STALL_MS) {
      this.stalls.push({ ms: Math.round(late), at: Math.round(now - this.since), during: [...new Set(this.started)].join(', ') || 'unknown' });
      if (this.stalls.length > KEEP_STALLS) this.stalls.shift();
    }
    this.started = [];
  }
}

/** The server's one watch (a module singleton: guarded() and the index session note into it). */
export const eventLoop = new EventLoopWatch();
