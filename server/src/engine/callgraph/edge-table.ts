// A restored graph's edges, read straight from the columns of its file (graph-store.ts).
//
// A warm `netpath path` touches a few thousand of the 700k edges of the net scope; turning all
// of them into objects on load cost more than the search itself (0.16 s to restore and 0.3 s
// of garbage collection out of 1.2 s, measured on 6.12). The columns answer the search's
// questions (from, to, kind, candidates, line) as they are, and an Edge object is made only
// for an edge a caller asks for (edge(i)), or for all when something needs the array.
import type { Edge, EdgeKind } from './types';
import { drain, due, type Steps } from '../slices';

/** Column layout of one edge in the file: from, to, file (string id), line, col, candidates. */
export const EDGE_COLS = 6;
/** A candidates column holding this means "not an indirect edge" (no count). */
export const NONE = 0xffffffff;

export class EdgeTable {
  constructor(
    private readonly cols: Uint32Array,
    private readonly kindIds: Uint8Array,
    private readonly kindNames: readonly EdgeKind[],
    private readonly strings: readonly string[],
    /** Properties the columns do not hold (param, and any a later build adds), per edge. */
    private readonly extras: ReadonlyMap<number, Record<string, unknown>>,
  ) {}

  get length(): number {
    return this.kindIds.length;
  }

  from(i: number): number {
    return this.cols[i * EDGE_COLS];
  }

  to(i: number): number {
    return this.cols[i * EDGE_COLS + 1];
  }

  line(i: number): number {
    return this.cols[i * EDGE_COLS + 3];
  }

  col(i: number): number {
    return this.cols[i * EDGE_COLS + 4];
  }

  kind(i: number): EdgeKind {
    return this.kindNames[this.kindIds[i]];
  }

  candidates(i: number): number | undefined {
    const c = this.cols[i * EDGE_COLS + 5];
    return c === NONE ? undefined : c;
  }

  param(i: number): number | undefined {
    return this.extras.get(i)?.param as number | undefined;
  }

  edge(i: number): Edge {
    const o = i * EDGE_COLS;
    const e: Edge = { from: this.cols[o], to: this.cols[o + 1], file: this.strings[this.cols[o + 2]], line: this.cols[o + 3], col: this.cols[o + 4], kind: this.kind(i) };
    if (this.cols[o + 5] !== NONE) e.candidates = this.cols[o + 5];
    const x = this.extras.get(i);
    if (x) Object.assign(e, x);
    return e;
  }

  /** The columns as they are, for writing them to a file (graph-store.ts). */
  columns(): { cols: Uint32Array; kindIds: Uint8Array; kindNames: readonly EdgeKind[]; strings: readonly string[]; extras: ReadonlyMap<number, Record<string, unknown>> } {
    return { cols: this.cols, kindIds: this.kindIds, kindNames: this.kindNames, strings: this.strings, extras: this.extras };
  }

  all(): Edge[] {
    const list = new Array<Edge>(this.length);
    for (let i = 0; i < list.length; i++) list[i] = this.edge(i);
    return list;
  }
}

/**
 * Edges by caller and by callee as compressed rows: ids of node n's edges are
 * ids[start[n]] .. ids[start[n + 1] - 1], in edge order (as a built graph lists them).
 */
export class Rows {
  constructor(
    private readonly start: Uint32Array,
    private readonly ids: Uint32Array,
  ) {}

  static of(nodes: number, edges: number, key: (e: number) => number): Rows {
    return drain(Rows.steps(nodes, edges, key));
  }

  /** Rows.of as steps that pause in its passes over the edges (slices.ts). */
  static *steps(nodes: number, edges: number, key: (e: number) => number): Steps<Rows> {
    const start = new Uint32Array(nodes + 1);
    for (let e = 0; e < edges; e++) {
      start[key(e) + 1]++;
      if (due(e, 65536)) yield;
    }
    for (let n = 0; n < nodes; n++) start[n + 1] += start[n];
    const fill = start.slice(0, nodes);
    const ids = new Uint32Array(edges);
    for (let e = 0; e < edges; e++) {
      ids[fill[key(e)]++] = e;
      if (due(e, 65536)) yield;
    }
    return new Rows(start, ids);
  }

  of(n: number): Uint32Array {
    return this.ids.subarray(this.start[n], this.start[n + 1]);
  }

  lists(): number[][] {
    const out = new Array<number[]>(this.start.length - 1);
    for (let n = 0; n < out.length; n++) out[n] = Array.from(this.of(n));
    return out;
  }
}
