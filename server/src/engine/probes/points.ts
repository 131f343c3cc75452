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

/** A statement probe on one line of a function: `kernel.statement("f@file.c:123")`. */
export function statementPoints(fn: ProbeFunction, line: number): string[] {
  return alternatives(objectsOf(fn).map((obj) => `${obj}.statement(${quote(`${fn.name}@${fn.file}:${line}`)})`));
}

/** A label probe: `kernel.function("f@file.c").label("drop")`. */
export function labelPoints(fn: ProbeFunction, label: string): string[] {
  return alternatives(objectsOf(fn).map((obj) => `${obj}.function(${quote(`${fn.name}@${fn.file}`)}).label(${quote(label)})`));
}

/** The kfree_skb tracepoint, which carries the drop reason on trees that have drop reasons. */
export const KFREE_SKB_TRACE = 'kernel.trace("skb:kfree_skb")';
