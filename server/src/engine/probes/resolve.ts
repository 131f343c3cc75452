// From the index to ProbeFunction: definitions by name or by position, with their Kbuild
// object, and the drop-reason names of the tree. Reads facts only, no I/O.
import type { KbuildMap } from '../kbuild';
import { mayContain } from '../codec';
import { FN_INLINE, FN_STATIC, type FileFacts, type FunctionDef } from '../types';
import type { ReasonTable } from './stap-script';
import { ProbeError, type ProbeFunction } from './types';

export interface ProbeIndex {
  files: Map<string, FileFacts>;
  kbuild: KbuildMap;
}

export function toProbeFunction(idx: ProbeIndex, file: string, def: FunctionDef): ProbeFunction {
  const at = def.signature.indexOf(`${def.name}(`);
  const before = at >= 0 ? def.signature.slice(0, at) : '';
  return {
    name: def.name, file, line: def.line, endLine: def.endLine,
    isStatic: (def.flags & FN_STATIC) !== 0,
    isInline: (def.flags & FN_INLINE) !== 0,
    isVoid: /\bvoid\s*$/.test(before),
    ...(idx.kbuild[file] ? { object: idx.kbuild[file] } : {}),
  };
}

/** Every definition of `name` (static functions may be defined in several files), by file. */
export function functionsNamed(idx: ProbeIndex, name: string): ProbeFunction[] {
  const out: ProbeFunction[] = [];
  for (const [file, facts] of idx.files) {
    // The stored text rules a file out without decoding its functions (most of a CLI probe's second).
    if (!mayContain(facts, 'functions', name)) continue;
    for (const def of facts.functions) if (def.name === name) out.push(toProbeFunction(idx, file, def));
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * The one definition of `name` to probe: in `file` when given; else the only one; else the
 * one in a .c file when the others are in headers. Anything else is ambiguous: the error
 * lists the definitions so the caller can name the file.
 */
export function pickFunction(idx: ProbeIndex, name: string, file?: string, at?: number): ProbeFunction {
  const all = functionsNamed(idx, name);
  if (!all.length) throw new ProbeError(`no function "${name}" in the index`);
  const inFile = file ? all.filter((f) => f.file === file) : all;
  if (!inFile.length) throw new ProbeError(`"${name}" is not defined in ${file}; it is defined in ${all.map((f) => `${f.file}:${f.line}`).join(', ')}`);
  if (at !== undefined) {
    const around = inFile.find((f) => f.line <= at && at <= f.endLine);
    if (!around) throw new ProbeError(`no definition of "${name}" spans line ${at}${file ? ` of ${file}` : ''}`);
    return around;
  }
  const sources = inFile.filter((f) => f.file.endsWith('.c'));
  let pick = inFile.length === 1 ? inFile : sources.length === 1 ? sources : inFile;
  // #ifdef/#else variants of one function in one file have the same probe points: take the first.
  if (pick.length > 1 && pick.every((f) => f.file === pick[0].file)) pick = [pick[0]];
  if (pick.length > 1) {
    throw new ProbeError(`"${name}" is defined ${pick.length} times (${pick.map((f) => `${f.file}:${f.line}`).join(', ')}); name the file`);
  }
  return pick[0];
}

/** The function whose body holds `line` of `file`, innermost first (GCC nested functions aside, there is one). */
export function functionAt(idx: ProbeIndex, file: string, line: number): ProbeFunction | undefined {
  const facts = idx.files.get(file);
  const def = facts?.functions.filter((d) => d.line <= line && line <= d.endLine).sort((a, b) => b.line - a.line)[0];
  return def ? toProbeFunction(idx, file, def) : undefined;
}

/** The definition a call in `callSiteFile` reaches: the same file first, then a visible one. */
export function calleeFunction(idx: ProbeIndex, name: string, callSiteFile: string): ProbeFunction | undefined {
  const all = functionsNamed(idx, name);
  return all.find((f) => f.file === callSiteFile) ?? all.find((f) => !f.isStatic && f.file.endsWith('.c')) ?? all.find((f) => f.file.endsWith('.h')) ?? all[0];
}

const REASON_PREFIX = 'SKB_DROP_REASON_';

/**
 * enum skb_drop_reason from include/net/dropreason*.h, value by position: the enum starts at
 * 0 and counts up to SKB_DROP_REASON_MAX (later members such as SUBSYS_MASK are masks, not reasons).
 * Undefined on trees without drop reasons.
 */
export function dropReasons(idx: ProbeIndex): ReasonTable | undefined {
  for (const [file, facts] of idx.files) {
    if (!file.startsWith('include/net/dropreason')) continue;
    const e = facts.enums.find((x) => x.name === 'skb_drop_reason');
    if (!e) continue;
    const names: string[] = [];
    for (const item of e.items) {
      if (item.name === `${REASON_PREFIX}MAX`) break;
      names.push(item.name.startsWith(REASON_PREFIX) ? item.name.slice(REASON_PREFIX.length) : item.name);
    }
    return { names, file };
  }
  return undefined;
}
