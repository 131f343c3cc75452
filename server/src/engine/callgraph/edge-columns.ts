// A built graph's edges, written straight into the columns a restored graph reads (EdgeTable).
//
// The whole tree (`--scope all`, 60k files) resolves to millions of calls: one Edge object per
// call, a dedup key string per call and two arrays per function ran the build out of a 4 GB heap.
// Here an edge is six numbers and a kind byte in growing typed arrays, and its file an interned
// string id; duplicates are caught per caller file (every edge of a file's functions is added
// while that file is read), so no key outlives its file.
import type { EdgeKind } from './types';
import { EDGE_COLS, EdgeTable, NONE } from './edge-table';

/**
 * Edges per chunk of the columns (6 MB): the whole tree's 6.6 million edges grew one array by half
 * again, the old and new copies alive together at the peak of the build (about 380 MB of columns
 * for 166 MB of edges); chunks are added, never copied.
 */
const CHUNK_SHIFT = 18;
const CHUNK_EDGES = 1 << CHUNK_SHIFT;

export class EdgeColumns {
  private readonly chunks: Uint32Array[] = [];
  private cols = new Uint32Array(0);
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
    if (this.count === this.kinds.length) this.growKinds();
    if ((this.count & (CHUNK_EDGES - 1)) === 0) this.chunks.push((this.cols = new Uint32Array(CHUNK_EDGES * EDGE_COLS)));
    const o = (this.count & (CHUNK_EDGES - 1)) * EDGE_COLS;
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
   * The columns, the chunks as they are (the builder is not used afterwards): no copy; the last
   * chunk's unused tail (under 6 MB) is the price of not holding two copies at once.
   */
  finish(): EdgeTable {
    this.seen = new Set();
    const chunks = this.chunks.map((c, i) => (i === this.chunks.length - 1 ? c.subarray(0, (this.count - i * CHUNK_EDGES) * EDGE_COLS) : c));
    return new EdgeTable({ chunks, shift: CHUNK_SHIFT }, this.kinds.subarray(0, this.count), this.kindNames, this.strings, this.extras);
  }

  /** The kind byte per edge (a seventh of the columns' size) still grows by half again. */
  private growKinds(): void {
    const kinds = new Uint8Array(Math.ceil(this.kinds.length * 1.5));
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
