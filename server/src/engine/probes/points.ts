// Probe-point selection (see stapprobes(3stap)). Which object a function lives in comes from
// Kbuild: a file linked only into a module is probed as module("m"); one that Kbuild may build
// in or as a module (obj-$(CONFIG_X)) gets `?` alternatives for both, since only the running
// kernel's config decides; headers may be inlined anywhere, so kernel and every module, except
// for a hop of a path: there the copy that counts is the one inlined where its caller is linked.
import type { ProbeFunction } from './types';

/** The object prefixes to try, and whether the points are alternatives (each optional). */
export function objectsOf(fn: Pick<ProbeFunction, 'file' | 'object' | 'inlinedInto'>): string[] {
  if (fn.file.endsWith('.h')) return fn.inlinedInto ? objectsOf({ file: fn.inlinedInto.file, object: fn.inlinedInto.object }) : ['kernel', 'module("*")'];
  const o = fn.object;
  if (!o || o.kind === 'builtin') return ['kernel'];
  const mod = `module(${quote(o.module)})`;
  return o.kind === 'module' ? [mod] : [mod, 'kernel'];
}

/** A string literal for a probe point: kernel names and paths never hold quotes, but be safe. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/**
 * GCC clones a static function it specialises (`f.isra.0`, `f.constprop.0`) and probes on `f`
 * then miss the calls that go to the clone. Only static functions are cloned without LTO.
 */
function nameVariants(fn: ProbeFunction): string[] {
  if (fn.host?.stapNames) return fn.host.stapNames;
  return fn.isStatic && !fn.isInline && !fn.host?.inlinedAway ? [fn.name, `${fn.name}.isra.*`, `${fn.name}.constprop.*`] : [fn.name];
}

/**
 * The function("...") argument: `name@file` for the function itself. A clone's real name resolves
 * only without the file (stap 4.8 on 6.12.117: `f.constprop.0@file` is "no match", `f.constprop.0`
 * resolves through the symbol table), so a clone named from the target's kallsyms goes bare.
 */
function functionSpec(fn: ProbeFunction, name: string): string {
  return name === fn.name || name.endsWith('*') ? `${name}@${fn.file}` : name;
}

/** Inline on the target: declared inline, or absent from its kallsyms (then `.inline` only when the facts are the tree's kernel's). */
export function probedInline(fn: ProbeFunction): boolean {
  return fn.isInline || (fn.host?.inlinedAway === true && fn.host.exact);
}

/**
 * Marks every point optional when there is more than one alternative, or when `optional`: a
 * header function's copies exist only where GCC chose to inline it.
 */
function alternatives(points: string[], optional = false): string[] {
  return points.length > 1 || optional ? points.map((p) => `${p}?`) : points;
}

export type FunctionProbeKind = 'entry' | 'return';

/**
 * Function probe points. Entry: `.inline` for inline functions (which have no `.return`),
 * `.call` for global functions, and the bare form for static ones, which also matches the
 * copies GCC inlined on its own. Return: `.return`, undefined for inline functions.
 */
export function functionPoints(fn: ProbeFunction, kind: FunctionProbeKind): string[] | undefined {
  if (kind === 'return' && (fn.isInline || fn.host?.inlinedAway)) return undefined;
  // Inlined away on another kernel than the tree's: the plain form matches inlined copies and an out-of-line one alike.
  const suffix = kind === 'return' ? '.return' : probedInline(fn) ? '.inline' : fn.isStatic || fn.host?.inlinedAway ? '' : '.call';
  const out: string[] = [];
  for (const obj of objectsOf(fn)) {
    for (const name of nameVariants(fn)) out.push(`${obj}.function(${quote(functionSpec(fn, name))})${suffix}`);
  }
  return alternatives(out, fn.file.endsWith('.h'));
}

/**
 * A statement probe on one line of a function: `kernel.statement("f@file.c:123")`. `unchecked`:
 * no line table said the build has a record for the line. A single line without one fails the
 * whole script at pass 2, `?` or not (stap 4.8, "no line records"); a one-line range
 * (`:123-123`) without one is only "no match", which `?` makes optional. So an unchecked line is
 * written as a range, optional: on a build that merged the line away the site goes uncounted
 * (the header says so) instead of the script failing.
 */
export function statementPoints(fn: ProbeFunction, line: number, o: { unchecked?: boolean } = {}): string[] {
  const at = o.unchecked ? `${line}-${line}` : `${line}`;
  return alternatives(objectsOf(fn).map((obj) => `${obj}.statement(${quote(`${fn.name}@${fn.file}:${at}`)})`), o.unchecked);
}

/**
 * A label probe: `kernel.function("f@file.c").label("drop")`. GCC does not always keep a DWARF
 * label: Debian's 6.12.117 build has `drop` and `csum_error` of ip_rcv_core but no
 * `inhdr_error`, and a label point that does not resolve fails the whole script at pass 2. So
 * when the label's statement line is known, each object gets the label as an optional and
 * sufficient point (`!`), then a statement probe on the lines from the label to its statement
 * (`f@file.c:547-548`; a range takes only its lines that have records, where a single line
 * without one fails the script, "?" or not). stap resolves no alternative after a `!` point
 * that resolved, so the statement is tried only where the label is missing.
 */
export function labelPoints(fn: ProbeFunction, label: string, at?: { line: number; bodyLine: number }): string[] {
  const labelled = (obj: string) => `${obj}.function(${quote(`${fn.name}@${fn.file}`)}).label(${quote(label)})`;
  if (!at) return alternatives(objectsOf(fn).map(labelled));
  const lines = at.bodyLine > at.line ? `${at.line}-${at.bodyLine}` : `${at.line}`;
  const objects = objectsOf(fn);
  const out: string[] = [];
  objects.forEach((obj, i) => {
    out.push(`${labelled(obj)}!`);
    const statement = `${obj}.statement(${quote(`${fn.name}@${fn.file}:${lines}`)})`;
    // The last object's statement is the last resort: optional only when the objects are alternatives.
    out.push(i < objects.length - 1 ? `${statement}!` : objects.length > 1 || fn.file.endsWith('.h') ? `${statement}?` : statement);
  });
  return out;
}

/** The kfree_skb tracepoint, which carries the drop reason on trees that have drop reasons. */
export const KFREE_SKB_TRACE = 'kernel.trace("skb:kfree_skb")';
