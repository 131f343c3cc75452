// Kernel knowledge (macro names, dispatch macros, wrappers) lives in data/kernel-knowledge.json;
// this module only types it and merges in what the indexed tree itself declares.
import * as fs from 'node:fs';
import * as path from 'node:path';
import raw from './data/kernel-knowledge.json';

export interface Knowledge {
  annotationMacros: string[];
  annotationFunctionMacros: string[];
  sectionAnnotations: string[];
  valueWrappers: string[];
  storeMacros: string[];
  dispatchMacros: RegExp;
  macroDispatch: Record<string, { callee?: number; candidates: number[] }>;
  loopMacroMarker: string;
  kernelMarkers: string[];
  /** Matches a parameter declared as a pointer to a callback typedef (`rx_handler_func_t *h`). */
  callbackParam: RegExp;
  napiPoll: { struct: string; field: string };
  defaultScope: string[];
  maxFileBytes: number;
  /** Enqueue function -> the NAPI poll function that takes the packet up later. */
  queuedHandoffs: Record<string, string>;
  /** Registration call -> the out-of-scope code that invokes its callbacks. */
  externalInvokers: Record<string, string>;
  /** Functions of special-purpose receive paths, ranked after the common path on a tie. */
  specialPaths: RegExp;
  /** Path ranking: folders of each protocol family, struct types that carry packets. */
  pathRanking: { familyFolders: Record<'IPv4' | 'IPv6' | 'bridge', string[]>; packetParams: string[]; packetLocals: string[] };
  /** Which calls and macros bump a counter (see `counters` in kernel-knowledge.json). */
  counters: CounterKnowledge;
}

export interface CounterKnowledge {
  calls: RegExp;
  fieldMacros: Record<string, number>;
  namedCalls: RegExp;
  mibMacros: RegExp;
  mibConstant: RegExp;
}

function withoutComment(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(o)) if (k !== '$comment') out[k] = v;
  return out;
}

export function baseKnowledge(): Knowledge {
  return {
    annotationMacros: [...raw.annotationMacros],
    annotationFunctionMacros: [...raw.annotationFunctionMacros],
    sectionAnnotations: [...raw.sectionAnnotations],
    valueWrappers: [...raw.valueWrappers],
    storeMacros: [...raw.storeMacros],
    dispatchMacros: new RegExp(raw.dispatchMacros),
    macroDispatch: raw.macroDispatch,
    loopMacroMarker: raw.loopMacroMarker,
    kernelMarkers: [...raw.kernelMarkers],
    callbackParam: new RegExp(`\\b[A-Za-z_]\\w*_(?:${raw.callbackTypedefSuffixes.join('|')})\\s*\\*\\s*[A-Za-z_]\\w*$`),
    napiPoll: { ...raw.napiPoll },
    defaultScope: [...raw.defaultScope],
    maxFileBytes: raw.maxFileBytes,
    queuedHandoffs: withoutComment(raw.queuedHandoffs),
    externalInvokers: withoutComment(raw.externalInvokers),
    specialPaths: new RegExp(raw.specialPaths.pattern),
    pathRanking: {
      familyFolders: { IPv4: [...raw.pathRanking.familyFolders.IPv4], IPv6: [...raw.pathRanking.familyFolders.IPv6], bridge: [...raw.pathRanking.familyFolders.bridge] },
      packetParams: [...raw.pathRanking.packetParams],
      packetLocals: [...raw.pathRanking.packetLocals],
    },
    counters: {
      calls: new RegExp(raw.counters.calls),
      fieldMacros: { ...raw.counters.fieldMacros },
      namedCalls: new RegExp(raw.counters.namedCalls),
      mibMacros: new RegExp(raw.counters.mibMacros),
      mibConstant: new RegExp(raw.counters.mibConstant),
    },
  };
}

/**
 * The tree's scripts/tags.sh passes `-I a,b,c` lists to ctags: tokens that ctags must ignore.
 * We merge them in (minus the ones we need to see, such as `static`) so a newer tree's
 * annotations are handled without a code change.
 */
export function tagsShIgnoreList(root: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, 'scripts', 'tags.sh'), 'latin1');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const m of text.matchAll(/-I\s+([A-Za-z0-9_,]+)/g)) {
    for (const tok of m[1].split(',')) if (/^[A-Za-z_]\w*$/.test(tok)) out.push(tok);
  }
  const keep = new Set(raw.keepTokens);
  return out.filter((t) => !keep.has(t));
}

export function knowledgeFor(root: string): Knowledge {
  const k = baseKnowledge();
  const fnLike = new Set(k.annotationFunctionMacros);
  const merged = new Set(k.annotationMacros);
  for (const t of tagsShIgnoreList(root)) if (!fnLike.has(t)) merged.add(t);
  k.annotationMacros = [...merged].sort();
  return k;
}

/** A stable fingerprint of everything that changes extraction output; part of the cache key. */
export function knowledgeFingerprint(k: Knowledge): string {
  return JSON.stringify([k.annotationMacros, k.annotationFunctionMacros, k.sectionAnnotations,
    k.valueWrappers, k.storeMacros, k.callbackParam.source, k.dispatchMacros.source, k.loopMacroMarker, k.maxFileBytes,
    [k.counters.calls.source, k.counters.fieldMacros, k.counters.namedCalls.source, k.counters.mibMacros.source, k.counters.mibConstant.source]]);
}
