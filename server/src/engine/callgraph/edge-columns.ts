// A built graph's edges, written straight into the columns a restored graph reads (EdgeTable).
//
// The whole tree (`--scope all`, 60k files) resolves to millions of calls: one Edge object per
// call, a dedup key string per call and two arrays per function ran the build out of a 4 GB heap.
// Here an edge is six numbers and a kind byte in growing typed arrays, and its file an interned
// string id; duplicates are caught per caller file (every edge of a file's functions is added
// while that file is read), so no key outlives its file.
import type { EdgeKind } from './types';
import { EDGE_COLS, EdgeTable, NONE } from './edge-table';

export class EdgeColumns {
  private cols = new Uint32Array(EDGE_COLS * 4096);
  private kinds = new Uint8Array(4096);
  private count = 0;
  private readonly kindIds = new Map<EdgeKind, number>();
  private readonly kindNames: EdgeKind[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly extras = new Map<number, Record<string, unknown>>();
  /** Edges already added from the current scope (one caller file), as "from:to:line:col:kind". */
  private seen = new Set<string>();

  get length(): number {
    return this.count;
  }

  /** Dedup starts again: the edges to come cannot repeat any added before (another caller file). */
  newScope(): void {
    this.seen = new Set();
  }

  /** Adds an edge unless this scope already has it; returns whether it was added. */
  add(from: number, to: number, file: string, line: number, col: number, kind: EdgeKind, candidates?: number, param?: number): boolean {
    const key = `${from}:${to}:${line}:${col}:${kind}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.count === this.kinds.length) this.grow();
    const o = this.count * EDGE_COLS;
    const c = this.cols;
    c[o] = from;
    c[o + 1] = to;
    c[o + 2] = this.stringId(file);
    c[o + 3] = line;
    c[o + 4] = col;
    c[o + 5] = candidates ?? NONE;
    this.kinds[this.count] = this.kindId(kind);
    if (param !== undefined) this.extras.set(this.count, { param });
    this.count++;
    return true;
  }

  /**
   * The columns, views of the edges added (the builder is not used afterwards): no copy, the
   * unused tail (under a third, see grow) is the price of not holding two copies at once.
   */
  finish(): EdgeTable {
    this.seen = new Set();
    return new EdgeTable(this.cols.subarray(0, this.count * EDGE_COLS), this.kinds.subarray(0, this.count), this.kindNames, this.strings, this.extras);
  }

  /** By half again: the old and new columns are both alive while copying. */
  private grow(): void {
    const cols = new Uint32Array(Math.ceil(this.kinds.length * 1.5) * EDGE_COLS);
    cols.set(this.cols);
    this.cols = cols;
    const kinds = new Uint8Array(cols.length / EDGE_COLS);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }

  private stringId(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.stringIds.set(s, id);
      this.strings.push(s);
    }
    return id;
  }

  private kindId(k: EdgeKind): number {
    let id = this.kindIds.get(k);
    if (id === undefined) {
      id = this.kindNames.length;
      this.kindIds.set(k, id);
      this.kindNames.push(k);
    }
    return id;
  }
}
