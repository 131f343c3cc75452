// Debian's debug build of the kernel whose source the 6.12 tests index, set up by
// scripts/fetch-debug-build.sh (run by scripts/run-tests.mjs as root). A missing or incomplete
// build fails the test with the command that provides it, never a skip.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'fetch-debug-build.sh');

export interface DebugBuild {
  /** The kernel release stap is given with -r, e.g. 6.12.117+deb12-amd64. */
  release: string;
  /** The unpacked packages (usr/lib/debug/..., usr/src/...). */
  dir: string;
  vmlinux: string;
  /** Folder of the modules with DWARF (kernel/drivers/net/tap.ko, ...). */
  modules: string;
}

let found: DebugBuild | undefined;

/** The ready debug build; the script only reports when it is complete, so this is cheap. */
export function debugBuild(): DebugBuild {
  if (found) return found;
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8' });
  const [release, dir] = (r.stdout ?? '').trim().split(' ');
  if (r.status !== 0 || !release || !dir) {
    throw new Error(`prerequisite missing: Debian's 6.12 debug build for stap -p2; run as root: scripts/fetch-debug-build.sh (${(r.stderr || r.error?.message || '').trim()})`);
  }
  const vmlinux = path.join(dir, 'usr/lib/debug/boot', `vmlinux-${release}`);
  const modules = path.join(dir, 'usr/lib/debug/lib/modules', release);
  for (const p of [vmlinux, modules]) if (!fs.existsSync(p)) throw new Error(`prerequisite missing: ${p}; remove ${dir} and run as root: scripts/fetch-debug-build.sh`);
  found = { release, dir, vmlinux, modules };
  return found;
}
