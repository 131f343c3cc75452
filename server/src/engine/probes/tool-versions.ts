// Which host tools can build what for which kernel. Measured here: SystemTap 4.8 (Debian 12)
// resolves probe points against a 6.12 build (pass 2) but cannot build anything for it: its
// runtime and its tracepoint builder include <asm/unaligned.h>, which 6.12 moved, so pass 4
// fails, and kernel.trace() fails already at pass 2. SystemTap 5.1 is the first release that
// supports 6.12's headers.
import { spawnSync } from 'node:child_process';

/** The first kernel whose headers SystemTap releases before TRACE_MIN_STAP cannot build against. */
const NEW_HEADERS_KERNEL = [6, 12];
export const TRACE_MIN_STAP = '5.1';

function parts(v: string): number[] {
  return (/^(\d+(?:\.\d+)*)/.exec(v.trim())?.[1] ?? '').split('.').filter(Boolean).map(Number);
}

/** a < b, by numeric parts (6.9 < 6.12). */
export function versionBelow(a: string, b: string): boolean {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}

/** `stap -V`'s version ("Systemtap translator/driver (version 4.8/0.188, ...)" -> "4.8"); undefined when stap is not installed. */
export function parseStapVersion(text: string): string | undefined {
  return /version (\d+(?:\.\d+)+)/.exec(text)?.[1];
}

let local: string | null | undefined;

/** This machine's SystemTap version, read once. */
export function localStapVersion(): string | undefined {
  if (local === undefined) {
    const r = spawnSync('stap', ['-V'], { encoding: 'utf8', timeout: 10_000 });
    local = (r.status === 0 && parseStapVersion(`${r.stdout}${r.stderr}`)) || null;
  }
  return local ?? undefined;
}

/**
 * Whether a script for `kernel` (the indexed tree's version) may use kernel.trace() with that
 * SystemTap. ok with a note when the version is unknown; left out, with the reason, when it is too old.
 */
export function traceSupport(kernel: string | undefined, stap: string | undefined): { ok: boolean; note?: string } {
  const newHeaders = kernel !== undefined && !versionBelow(kernel, NEW_HEADERS_KERNEL.join('.'));
  if (!newHeaders) return { ok: true };
  if (stap === undefined) return { ok: true, note: `Linux ${kernel}: kernel.trace("skb:kfree_skb") needs SystemTap ${TRACE_MIN_STAP} or later (older releases cannot build against 6.12's headers).` };
  if (!versionBelow(stap, TRACE_MIN_STAP)) return { ok: true };
  return {
    ok: false,
    note: `kernel.trace("skb:kfree_skb") is left out: SystemTap ${stap} cannot build tracepoint probes for Linux ${kernel}\n`
      + `(its tracepoint builder includes <asm/unaligned.h>, which 6.12 moved); SystemTap ${TRACE_MIN_STAP} or later can.`,
  };
}

/** A header line when that SystemTap can check the script's points but not build it for that kernel. */
export function buildNote(kernel: string | undefined, stap: string | undefined): string | undefined {
  if (kernel === undefined || stap === undefined || versionBelow(kernel, NEW_HEADERS_KERNEL.join('.')) || !versionBelow(stap, TRACE_MIN_STAP)) return undefined;
  return `SystemTap ${stap} resolves these probe points (stap -p2) but cannot build a module for Linux ${kernel} (pass 4): run it with SystemTap ${TRACE_MIN_STAP} or later.`;
}
