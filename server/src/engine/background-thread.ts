// Worker threads do background work (parsing, building the call graph) for a thread that answers
// a user (the language server's, the CLI's). On Linux a nice value set with pid 0 applies to the
// calling thread only, so a worker can step back without slowing its owner: on a busy machine
// the scheduler then runs the thread that answers requests first.
import * as os from 'node:os';

/** Nice value of background worker threads (0 is normal; 19 is the lowest priority). */
export const BACKGROUND_NICE = 10;

/** Lowers the calling worker thread's priority; a platform that refuses keeps the default. */
export function runInBackground(): void {
  try {
    if (os.getPriority(0) < BACKGROUND_NICE) os.setPriority(0, BACKGROUND_NICE);
  } catch {
    // Not permitted or not supported: the work still runs, at normal priority.
  }
}
