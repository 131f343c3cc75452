// The target build's line table: which source lines the compiler left a statement record for.
// stap refuses a statement probe on any other line ("no line records for tap.c:351"), and a
// line with only non-statement records resolves to "no probes found": a `goto drop;` line has
// neither, the optimiser having merged its jump. Read with binutils' readelf from the vmlinux or
// the module (.ko) that holds the function, found under a --debuginfo folder.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { ProbeError, type ProbeFunction } from './types';

export interface LineTable {
  /** The object the records were read from, for the script header. */
  object: string;
  /** Lines of the function's file that have a statement record in the object. */
  lines: Set<number>;
}

/** The objects under a debuginfo folder: vmlinux and modules by name (tap, nf_conntrack, ...). */
interface DebugObjects { vmlinux?: string; modules: Map<string, string> }

const folders = new Map<string, DebugObjects>();
/**
 * Every object's statement lines, by file heading, read once: vmlinux's line table takes readelf
 * about 5 s, and a drop script for each of a path's functions used to read it once per source file.
 * About 770,000 distinct lines in 6.12's vmlinux (15-30 MB as sets); the last few objects are kept.
 */
const tables = new Map<string, Promise<Map<string, Set<number>>>>();
const KEPT_OBJECTS = 4;

/**
 * vmlinux and the .ko files of a debuginfo folder: an unpacked linux-image-*-dbg (or /), its
 * usr/lib/debug, or a folder holding vmlinux and modules. A folder with the debug files of
 * several releases is refused: the line numbers of one are not those of another.
 */
function objectsIn(dir: string): DebugObjects {
  const known = folders.get(dir);
  if (known) return known;
  if (!fs.existsSync(dir)) throw new ProbeError(`--debuginfo ${dir}: no such folder`);
  const out: DebugObjects = { modules: new Map() };
  const vmlinuxes: string[] = [];
  const roots: string[] = [];
  for (const debug of [path.join(dir, 'usr/lib/debug'), dir]) {
    const boot = path.join(debug, 'boot');
    if (fs.existsSync(boot)) vmlinuxes.push(...fs.readdirSync(boot).filter((f) => f.startsWith('vmlinux-')).map((f) => path.join(boot, f)));
    const mods = path.join(debug, 'lib/modules');
    if (fs.existsSync(mods)) roots.push(...fs.readdirSync(mods).map((r) => path.join(mods, r)));
    if (vmlinuxes.length || roots.length) break;
  }
  if (fs.existsSync(path.join(dir, 'vmlinux'))) vmlinuxes.push(path.join(dir, 'vmlinux'));
  if (!roots.length) roots.push(dir);
  if (vmlinuxes.length > 1 || roots.length > 1) {
    throw new ProbeError(`--debuginfo ${dir} holds more than one kernel (${[...vmlinuxes, ...roots].join(', ')}): name the folder of one`);
  }
  out.vmlinux = vmlinuxes[0];
  const walk = (d: string, depth: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && depth < 8) walk(path.join(d, e.name), depth + 1);
      // Kbuild names a module with '_' and '-' interchangeably.
      else if (e.name.endsWith('.ko')) out.modules.set(e.name.slice(0, -3).replace(/-/g, '_'), path.join(d, e.name));
    }
  };
  walk(roots[0], 0);
  folders.set(dir, out);
  return out;
}

/** The object that holds the function's code in that build: its module when there is one, else vmlinux. */
export function objectFor(dir: string, fn: ProbeFunction): string | undefined {
  const objs = objectsIn(dir);
  const o = fn.object;
  if (fn.file.endsWith('.h')) return undefined;
  if (o && o.kind !== 'builtin') {
    const ko = objs.modules.get(o.module.replace(/-/g, '_'));
    if (ko) return ko;
    if (o.kind === 'module') return undefined;
  }
  return objs.vmlinux;
}

/** Whether a readelf file heading names the tree-relative `file`. */
function sameFile(heading: string, file: string): boolean {
  const h = heading.replace(/^\.\//, '');
  return h === file || h.endsWith(`/${file}`) || file.endsWith(`/${h}`);
}

/** Every line of `file` with a statement record in `object` (readelf -W --debug-dump=decodedline). */
async function statementLines(object: string, file: string): Promise<Set<number>> {
  const byHeading = await objectLines(object);
  const out = new Set<number>();
  for (const [heading, lines] of byHeading) if (sameFile(heading, file)) for (const n of lines) out.add(n);
  return out;
}

/** The statement lines of every file of `object`, by the heading readelf names it with. */
function objectLines(object: string): Promise<Map<string, Set<number>>> {
  let p = tables.get(object);
  if (p) {
    // Most recently used last: the first is the one to drop.
    tables.delete(object);
    tables.set(object, p);
    return p;
  }
  p = new Promise<Map<string, Set<number>>>((resolve, reject) => {
    const child = spawn('readelf', ['-W', '--debug-dump=decodedline', object], { stdio: ['ignore', 'pipe', 'pipe'] });
    const byHeading = new Map<string, Set<number>>();
    let current: Set<number> | undefined;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new ProbeError(`readelf (binutils) is needed to read ${object}'s line table: ${e.message}`)));
    // Headings ("CU: net/core/dev.c:", "include/linux/skbuff.h:") switch the file; rows are
    // "dev.c  5049  0xffffffff81a6d24e  [view]  [x]", x marking a statement.
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.endsWith(':')) {
        const heading = l.startsWith('CU: ') ? l.slice(4, -1) : l.slice(0, -1);
        if (/\s/.test(heading)) return;
        current = byHeading.get(heading);
        if (!current) byHeading.set(heading, (current = new Set()));
        return;
      }
      if (!current || !l.endsWith('x')) return;
      const cols = l.trim().split(/\s+/);
      const n = Number(cols[1]);
      if (cols[cols.length - 1] === 'x' && Number.isInteger(n)) current.add(n);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(byHeading);
      else reject(new ProbeError(`readelf --debug-dump=decodedline ${object} failed (${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
  p.catch(() => tables.delete(object));
  tables.set(object, p);
  while (tables.size > KEPT_OBJECTS) tables.delete(tables.keys().next().value!);
  return p;
}

/** The line table of the function's file in the build under `dir`; undefined when it has no object there. */
export async function lineTableFor(dir: string, fn: ProbeFunction): Promise<LineTable | undefined> {
  const object = objectFor(dir, fn);
  if (!object) return undefined;
  return { object, lines: await statementLines(object, fn.file) };
}

/** The recorded line nearest to `line` inside the function (the earlier one on a tie), if any. */
export function nearestRecorded(table: LineTable, fn: ProbeFunction, line: number): number | undefined {
  for (let d = 0; d <= fn.endLine - fn.line; d++) {
    for (const n of [line - d, line + d]) if (n >= fn.line && n <= fn.endLine && table.lines.has(n)) return n;
  }
  return undefined;
}
