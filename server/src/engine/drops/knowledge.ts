// Drop-site knowledge (drop-knowledge.json) typed and compiled once. Which functions free an
// skb as a drop and where the tree declares its counters are data, not code.
import raw from './drop-knowledge.json';

export interface SockColumnsSource { file: string; header: [string, string]; row: [string, string] }

export interface DropKnowledge {
  freeFunctions: Set<string>;
  conditionalFrees: Set<string>;
  notDrops: Set<string>;
  reasonPrefix: string;
  reasonHeaders: RegExp;
  dropCounter: RegExp;
  labelFollowDepth: number;
  maxCallbackCandidates: number;
  mibFamilies: Array<{ macros: RegExp; source: string }>;
  mibSources: string[];
  procRegistrations: Set<string>;
  softnet: { file: string; source: string; function: string };
  sysfs: { dir: string; source: string; macro: string; struct: string };
  sockColumns: SockColumnsSource[];
}

export function dropKnowledge(): DropKnowledge {
  return {
    freeFunctions: new Set(raw.freeFunctions),
    conditionalFrees: new Set(raw.conditionalFrees),
    notDrops: new Set(raw.notDrops),
    reasonPrefix: raw.reasonPrefix,
    reasonHeaders: new RegExp(raw.reasonHeaders),
    dropCounter: new RegExp(raw.dropCounter, 'i'),
    labelFollowDepth: raw.labelFollowDepth,
    maxCallbackCandidates: raw.maxCallbackCandidates,
    mibFamilies: raw.mibFamilies.map((f) => ({ macros: new RegExp(f.macros), source: f.source })),
    mibSources: [...raw.mibSources],
    procRegistrations: new Set(raw.procRegistrations),
    softnet: { ...raw.softnet },
    sysfs: { ...raw.sysfs },
    sockColumns: raw.sockColumns.map((s) => ({ file: s.file, header: [s.header[0], s.header[1]], row: [s.row[0], s.row[1]] })),
  };
}
