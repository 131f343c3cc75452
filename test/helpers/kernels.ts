// Where the real Debian kernel trees are. scripts/fetch-kernels.sh unpacks them; a missing
// tree fails the test with the command that provides it, never a skip.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseKnowledge } from '../../server/src/engine/knowledge';

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

export function kernelTree(version: KernelVersion): string {
  const dir = path.join(kernelCacheDir(), `linux-source-${version}`);
  if (!fs.existsSync(path.join(dir, '.netpath-unpacked'))) {
    throw new Error(`prerequisite missing: Debian linux-source-${version} unpacked at ${dir}; run "npm run kernels" (scripts/fetch-kernels.sh, needs root for apt-get)`);
  }
  return dir;
}

/** A scratch cache folder for one test file, removed by the caller. */
export function tempCache(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `netpath-${label}-`));
}

/**
 * One index cache shared by the kernel test files (they run one at a time): the first file to
 * open a tree indexes it cold, the rest reuse it. The cache checks every file's mtime and size
 * and its own fingerprint, so a stale or foreign cache is rebuilt, never trusted. cli.test.ts
 * keeps an honest cold index of its own.
 */
export function sharedCache(): string {
  const dir = process.env.NETPATH_TEST_CACHE ?? path.join(os.tmpdir(), 'netpath-test-shared-cache');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
