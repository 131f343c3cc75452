// Work over a whole index written once, as a generator that yields now and then, and run either
// in one go (the CLI: nothing else to serve) or in slices that give the event loop back between
// them (the language server: a request must not wait seconds behind a restore or a table build).
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A computation that may pause at its `yield`s. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end without pausing. */
export function drain<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs `steps`, giving the event loop a turn whenever about `sliceMs` has passed since the last one. */
export async function sliced<T>(steps: Steps<T>, sliceMs = 8): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - start >= sliceMs) {
      await nextTurn();
      start = performance.now();
    }
  }
}

/** Yields every `every` iterations (a power of two): cheap enough for the innermost loops. */
export function due(i: number, every = 4096): boolean {
  return (i & (every - 1)) === every - 1;
}
