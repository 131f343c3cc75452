// Records what a counters feed delivers (model samples and states) and waits, bounded in time,
// for a condition on them. Tests wait for events, never for a fixed sleep.
import type { FeedListener, FeedState } from '../../live-counters/feed';
import { CounterModel, type Sample } from '../../live-counters/model';
import type { RawSnapshot } from '../../live-counters/types';

export class CounterRecorder implements FeedListener {
  readonly model = new CounterModel();
  readonly samples: Sample[] = [];
  readonly raws: RawSnapshot[] = [];
  readonly states: FeedState[] = [];
  private waiters: Array<() => void> = [];

  snapshot(raw: RawSnapshot): void {
    this.raws.push(raw);
    this.samples.push(this.model.update(raw));
    this.wake();
  }

  state(s: FeedState): void {
    this.states.push(s);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first truthy value of `check`, re-checked on every event; rejects after `timeoutMs`. */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; states: ${JSON.stringify(this.states.slice(-5))}; samples: ${this.samples.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  rate(sample: Sample, key: string): number | undefined {
    return sample.readings.find((r) => r.key === key)?.rate;
  }
}
