// Find the C sources in scope. Directory symlinks are not followed (the kernel has few and
// they can loop); a symlinked file is indexed when it resolves to a regular file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SkippedFile } from './types';

export interface ScanResult {
  /** Relative paths, forward slashes, sorted. */
  files: string[];
  /** Kbuild makefiles (Makefile, Kbuild) seen on the way, relative. */
  makefiles: string[];
  skipped: SkippedFile[];
  /**
   * Every folder walked, with its mtime read before its listing: a file added, removed or renamed
   * in it later moves that mtime, which is how a lookup file (lookup/) knows the tree is the same.
   */
  dirs: Array<[string, number]>;
}

const SOURCE = /\.[ch]$/;
const SKIP_DIRS = new Set(['.git', '.pc', '.tmp_versions']);

export function scanTree(root: string, scope: string[]): ScanResult {
  const files: string[] = [];
  const makefiles: string[] = [];
  const skipped: SkippedFile[] = [];
  const dirs: Array<[string, number]> = [];
  const stack: string[] = [];
  for (const s of scope) {
    const abs = path.join(root, s);
    try {
      if (fs.statSync(abs).isDirectory()) stack.push(s === '.' ? '' : s);
      else skipped.push({ path: s, reason: 'scope entry is not a folder' });
    } catch {
      skipped.push({ path: s, reason: 'scope entry does not exist in this tree' });
    }
  }
  const seen = new Set<string>();
  while (stack.length) {
    const rel = stack.pop()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    let entries: fs.Dirent[];
    try {
      dirs.push([rel, fs.statSync(path.join(root, rel)).mtimeMs]);
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: rel || '.', reason: `unreadable folder (${(e as NodeJS.ErrnoException).code})` });
      continue;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push(r);
      } else if (e.isFile()) {
        if (SOURCE.test(e.name)) files.push(r);
        else if (e.name === 'Makefile' || e.name === 'Kbuild') makefiles.push(r);
      } else if (e.isSymbolicLink() && SOURCE.test(e.name)) {
        try {
          if (fs.statSync(path.join(root, r)).isFile()) files.push(r);
          else skipped.push({ path: r, reason: 'symlink to a non-file' });
        } catch (err) {
          skipped.push({ path: r, reason: `broken symlink (${(err as NodeJS.ErrnoException).code})` });
        }
      }
    }
  }
  files.sort();
  makefiles.sort();
  dirs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { files, makefiles, skipped, dirs };
}
