// Host facts cached per host in <cache root>/hosts/, outside the settings: the script's answer as
// received (a first line of JSON with the host, the time and the marker, then the text), parsed
// again on load, so the cache can never disagree with the parser. It holds what any user of the
// host can read (symbol names, module names, versions), never a secret. Written atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWrite, defaultCacheRoot } from '../store';
import { collectHostFacts, type CollectOptions, type RawHostFacts } from './host-collect';
import { HostFactsError, parseHostFacts, type HostFacts } from './host-facts-parse';

/** Facts younger than this are used without asking the host again (a kernel changes only on reboot). */
export const HOST_FACTS_MAX_AGE_MS = 15 * 60_000;

export interface HostFactsOptions extends CollectOptions {
  cacheRoot?: string;
  maxAgeMs?: number;
  /** Ask the host even when the cache is fresh. */
  refresh?: boolean;
  /** The clock, for the age check. */
  now?: () => number;
}

export function hostCacheFile(cacheRoot: string, host: string): string {
  return path.join(cacheRoot, 'hosts', `${encodeURIComponent(host)}.facts`);
}

export function writeHostCache(cacheRoot: string, raw: RawHostFacts): void {
  const file = hostCacheFile(cacheRoot, raw.host);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  atomicWrite(file, Buffer.from(`${JSON.stringify({ host: raw.host, collectedAt: raw.collectedAt, marker: raw.marker })}\n${raw.text}`, 'utf8'));
}

/** The cached facts of a host, or undefined when there are none or they no longer parse. */
export function readHostCache(cacheRoot: string, host: string): HostFacts | undefined {
  let text: string;
  try {
    text = fs.readFileSync(hostCacheFile(cacheRoot, host), 'utf8');
  } catch {
    return undefined;
  }
  const nl = text.indexOf('\n');
  try {
    const head = JSON.parse(text.slice(0, nl)) as Partial<RawHostFacts>;
    if (head.host !== host || typeof head.collectedAt !== 'string' || typeof head.marker !== 'string') return undefined;
    return parseHostFacts(text.slice(nl + 1), head.marker, host, head.collectedAt);
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof HostFactsError) return undefined;
    throw e;
  }
}

/** The facts of `host`: from the cache when fresh, else collected now and cached. */
export async function hostFacts(host: string, opts: HostFactsOptions = {}): Promise<{ facts: HostFacts; fromCache: boolean }> {
  const root = opts.cacheRoot ?? defaultCacheRoot();
  const now = (opts.now ?? Date.now)();
  if (!opts.refresh) {
    const cached = readHostCache(root, host);
    const age = cached ? now - Date.parse(cached.collectedAt) : Infinity;
    if (cached && age >= 0 && age < (opts.maxAgeMs ?? HOST_FACTS_MAX_AGE_MS)) return { facts: cached, fromCache: true };
  }
  const { facts, raw } = await collectHostFacts(host, opts);
  writeHostCache(root, raw);
  return { facts, fromCache: false };
}
