// Recognise a Linux kernel tree, and resolve the indexing scope within it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseKnowledge } from './knowledge';

export class NotAKernelTreeError extends Error {
  constructor(readonly dir: string, readonly missing: string[]) {
    super(`${dir} is not a Linux kernel tree (missing: ${missing.join(', ')}). ` +
      'Point netpath at the top of a kernel checkout, e.g. the folder with MAINTAINERS, Makefile, net/ and include/linux/.');
    this.name = 'NotAKernelTreeError';
  }
}

const MARKERS = baseKnowledge().kernelMarkers;

/** Throws NotAKernelTreeError with what is missing; returns the tree's real path. */
export function checkKernelTree(dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(dir);
    if (!fs.statSync(real).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new NotAKernelTreeError(dir, ['the folder itself']);
  }
  const missing = MARKERS.filter((m) => !fs.existsSync(path.join(real, m)));
  if (missing.length === 0) {
    const mk = fs.readFileSync(path.join(real, 'Makefile'), 'latin1').slice(0, 2000);
    if (!/^VERSION\s*=\s*\d+/m.test(mk)) missing.push('VERSION = in the top Makefile');
  }
  if (missing.length) throw new NotAKernelTreeError(dir, missing);
  return real;
}

/** "6.1.192" from the top Makefile. */
export function kernelVersion(root: string): string | undefined {
  try {
    const mk = fs.readFileSync(path.join(root, 'Makefile'), 'latin1').slice(0, 2000);
    const get = (k: string) => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, "m").exec(mk)?.[1] ?? '';
    const v = [get('VERSION'), get('PATCHLEVEL'), get('SUBLEVEL')].filter(Boolean).join('.');
    return v + get('EXTRAVERSION') || undefined;
  } catch {
    return undefined;
  }
}

/** `all` means the whole tree; otherwise a comma list of folders relative to the root. */
export function parseScope(spec: string | string[] | undefined, defaults: string[]): string[] {
  const list = spec === undefined ? defaults : Array.isArray(spec) ? spec : spec.split(',');
  const clean = list.map((s) => s.trim().replace(/^\.\/+|\/+$/g, '')).filter((s) => s.length > 0);
  if (clean.includes('all') || clean.includes('.') || clean.length === 0 && list.length > 0) return ['.'];
  for (const s of clean) {
    if (path.isAbsolute(s) || s.split('/').includes('..')) throw new Error(`scope entry "${s}" must be a folder inside the tree`);
  }
  return [...new Set(clean)].sort();
}
