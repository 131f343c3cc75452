// One writer at a time for an index cache folder: the language server and a `netpath index` run
// beside it share the cache. A writer holds `<cache dir>/lock` (created exclusively, holding its
// pid and host) while it reads the manifest, indexes and writes shards and the manifest, so the
// other waits and then reads what the first wrote instead of indexing the same files again and
// rewriting shards under it. A lock left by a process that died is taken over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Poll interval while another process holds the lock. */
const POLL_MS = 100;
/** Longest wait by default: longer than a cold index of the whole tree on two cores. */
export const DEFAULT_LOCK_WAIT_MS = 10 * 60_000;

export interface LockOwner { pid: number; host: string; since: string }

export class CacheBusyError extends Error {
  constructor(readonly dir: string, readonly owner: LockOwner | undefined, waitedMs: number) {
    super(`the index cache ${dir} is being written by another netpath process${owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : ''}; ` +
      `gave up after ${Math.round(waitedMs / 1000)} s. If no such process runs, remove ${path.join(dir, 'lock')}.`);
    this.name = 'CacheBusyError';
  }
}

export interface LockOptions {
  waitMs?: number;
  /** Told once when the lock is held by another process, before waiting for it. */
  onWait?: (owner: LockOwner | undefined) => void;
  isCancelled?: () => boolean;
  cancelled?: () => Error;
}

/** Takes the lock of cache folder `dir` (created if needed); resolves with its release. */
export async function lockCache(dir: string, opts: LockOptions = {}): Promise<() => void> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const started = Date.now();
  let told = false;
  for (;;) {
    if (tryCreate(file, me)) return () => release(file, me);
    const owner = readOwner(file);
    if (owner && owner.host === me.host && !alive(owner.pid)) {
      // Left by a process that died (killed while indexing): take it over.
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!owner && !fs.existsSync(file)) continue; // released between the two calls
    // Held by a live process (this one too: another index of the same cache finishing a write): wait.
    if (!told) opts.onWait?.(owner);
    told = true;
    if (opts.isCancelled?.()) throw opts.cancelled?.() ?? new Error('cancelled while waiting for the index cache lock');
    const waited = Date.now() - started;
    if (waited >= (opts.waitMs ?? DEFAULT_LOCK_WAIT_MS)) throw new CacheBusyError(dir, owner, waited);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function tryCreate(file: string, me: LockOwner): boolean {
  try {
    fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return typeof o?.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined; // vanished, or caught between create and write
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

function release(file: string, me: LockOwner): void {
  // Only our own lock: never one another process took over meanwhile.
  const owner = readOwner(file);
  if (owner && owner.pid === me.pid && owner.host === me.host && owner.since === me.since) fs.rmSync(file, { force: true });
}
