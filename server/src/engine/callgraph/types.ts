// The call graph's public shapes, shared by the CLI, the language server and the benchmark.

/** How a call site reaches its callee. */
export type EdgeKind = 'direct' | 'macro' | 'field' | 'registered' | 'variable' | 'queued';

export interface FnNode {
  id: number;
  name: string;
  file: string;
  line: number;
  /** Index of the function in its file's facts. */
  index: number;
  isStatic: boolean;
  params?: string[];
  /** Packet flags (paths.ts PKT_PARAM, PKT_LOCAL): takes an sk_buff (or a list of them), holds one. */
  pkt?: number;
}

export interface Edge {
  from: number;
  to: number;
  file: string;
  line: number;
  col: number;
  kind: EdgeKind;
  /** For indirect edges: how many candidates the call site resolved to. */
  candidates?: number;
  /** variable edges through a callback parameter: its index (`okfn` of NF_HOOK, `release` of kref_put). */
  param?: number;
}

/** One hop of a path, as the CLI prints it (paths relative to the tree). */
export interface Hop {
  caller: string;
  callee: string;
  file: string;
  line: number;
  kind: EdgeKind;
  candidates?: number;
  /** Ranked paths: this hop's cost (1 for a direct call, 1 + log2(candidates) for an indirect one, plus penalties). */
  cost?: number;
  /** Ranked paths: why an indirect hop's candidate was preferred. */
  why?: string;
}

export interface ResolutionStats {
  /** Call sites that go through a field, a variable or a dispatch macro. */
  indirectSites: number;
  resolvedSites: number;
  resolvedFraction: number;
  meanCandidates: number;
  medianCandidates: number;
  /** The same, matching on the field name alone (no struct type, no arity). */
  naive: { resolvedSites: number; meanCandidates: number; medianCandidates: number };
}
