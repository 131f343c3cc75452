// Where the real Debian kernel trees are. scripts/fetch-kernels.sh unpacks them; a missing
// tree fails the test with the command that provides it, never a skip.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseKnowledge } from '../../server/src/engine/knowledge';
import { GRAPH_FILE } from '../../server/src/engine/callgraph/graph-store';
import { parseScope } from '../../server/src/engine/kernel-tree';
import { IndexStore } from '../../server/src/engine/store';

export const KERNEL_VERSIONS = ['6.1', '6.12'] as const;
/**
 * The scope of every kernel test: the default scope a user meets (net, drivers/net, include),
 * so the test files share one cached index per tree (sharedCache) instead of indexing each a
 * scope of its own.
 */
export const TEST_SCOPE: string[] = [...baseKnowledge().defaultScope];
export type KernelVersion = (typeof KERNEL_VERSIONS)[number];

export function kernelCacheDir(): string {
  return process.env.NETPATH_KERNEL_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'netpath', 'kernels');
}

/** The Debian package version the suite is written against (kernel-pins.txt), e.g. 6.12.117-1~deb12u1. */
export function pinnedVersion(version: KernelVersion): string {
  const file = path.join(__dirname, '..', '..', 'kernel-pins.txt');
  const m = new RegExp(`^linux-source-${version.replace('.', '\\.')} (\\S+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file} names no version of linux-source-${version}`);
  return m[1];
}

export function kernelTree(version: KernelVersion): string {
  const dir = path.join(kernelCacheDir(), `linux-source-${version}`);
  const stamp = path.join(dir, '.netpath-unpacked');
  if (!fs.existsSync(stamp)) {
    throw new Error(`prerequisite missing: Debian linux-source-${version} unpacked at ${dir}; run "npm run kernels" (scripts/fetch-kernels.sh --pinned, needs apt)`);
  }
  // The goldens and the debug build are of the pinned release: another one would fail them for
  // what a point release moved, not for what the product did.
  const have = fs.readFileSync(stamp, 'utf8').trim();
  const want = pinnedVersion(version);
  if (have !== want) throw new Error(`prerequisite missing: ${dir} holds linux-source-${version} ${have}, but the suite is pinned to ${want} (kernel-pins.txt); run "npm run kernels"`);
  return dir;
}

/** A scratch cache folder for one test file, removed by the caller. */
export function tempCache(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `netpath-${label}-`));
}

/**
 * One index cache shared by the kernel test files, which only read it: the first file to open a
 * tree indexes it cold, the rest reuse it (a file that writes works on copyOfSharedIndex). The cache checks every file's mtime and size
 * and its own fingerprint, so a stale or foreign cache is rebuilt, never trusted. cli.test.ts
 * keeps an honest cold index of its own.
 */
export function sharedCache(): string {
  const dir = process.env.NETPATH_TEST_CACHE ?? path.join(os.tmpdir(), 'netpath-test-shared-cache');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A private copy of the shared index of `root` (the default scope) in a new scratch cache, for a
 * test that re-indexes or rebuilds while other files read the shared one. Without the saved call
 * graph when `graph` is false, so the copy must build and save it. Where the shared cache has no
 * index of the tree yet (the file runs alone), the copy is empty and the test indexes cold.
 */
export function copyOfSharedIndex(root: string, label: string, o: { graph?: boolean } = {}): string {
  const cache = tempCache(label);
  const shared = new IndexStore(root, parseScope(TEST_SCOPE, []), sharedCache());
  const copy = new IndexStore(root, parseScope(TEST_SCOPE, []), cache);
  if (fs.existsSync(shared.dir)) {
    fs.cpSync(shared.dir, copy.dir, { recursive: true, filter: (src) => path.basename(src) !== 'lock' && (o.graph !== false || path.basename(src) !== GRAPH_FILE) });
  }
  return cache;
}
