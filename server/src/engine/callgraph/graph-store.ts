// The call graph on disk: one binary file in the index's cache folder (graph.bin), so a warm
// `netpath path` or language server loads the resolved graph instead of building it again.
//
// It holds what queries read: nodes, edges and flows (field -> functions flowing into it) as
// little-endian typed-array columns with every string interned once, then as JSON the small
// maps paths read (external callers, functions passed per edge), any node or edge property the
// columns do not hold, the struct field types typeOf reads, and the resolution statistics. The
// rest of what typeOf needs (locals, signatures) is not stored: it comes from the index's facts
// of a function's own file when typeOf first asks about it (CallGraph.restore).
//
// The file is keyed by a fingerprint of the index state it was built from (the extractor,
// every file's header, every shard's checksum: KernelIndex.stateFingerprint) and
// GRAPH_FORMAT_VERSION. Resolution is global (a flow registered in one file resolves calls in
// every other), so ANY changed, added or removed file invalidates the whole graph. A file that
// is truncated, corrupt (checksum), of another format or of another index state is rebuilt,
// never trusted. Writes go to a temporary file renamed into place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { atomicWrite, checksum, Checksum } from '../store';
import { drain, due, sliced, type Steps } from '../slices';
import type { FileFacts } from '../types';
import { flat } from '../codec';
import { CallGraph, returnOf, type ExternalCaller, type Flow, type GraphParts, type GraphTypes } from './graph';
import type { FieldTypes } from './types-of';
import rawKnowledge from '../data/kernel-knowledge.json';
import type { EdgeKind, FnNode, ResolutionStats } from './types';
import { EDGE_COLS, EdgeTable, NONE } from './edge-table';

/**
 * Bump when what the graph resolves changes (graph.ts, registrations.ts, types-of.ts,
 * paths that feed edges) or the layout below changes: every persisted graph is rebuilt.
 */
export const GRAPH_FORMAT_VERSION = 7;
export const GRAPH_FILE = 'graph.bin';

const MAGIC = Buffer.from('NETPATHG', 'latin1');
const NODE_COLS = 8; // name, file, line, index, flags, paramsStart, paramsCount, pkt (0: absent)
const FLOW_COLS = 4; // field, fn, struct (NONE: absent), via
/** Maps keyed by node or edge id, stored as JSON after the columns (small next to them). */
const MAPS = ['external', 'edgeArgs'] as const;
/**
 * Node and edge properties the columns hold. Any other property a build sets (a field added to
 * FnNode or Edge) is kept too, per record, in the JSON after the columns: sparse fields cost
 * little there, and nothing a build produces is lost on a round trip.
 */
const NODE_CORE = new Set(['id', 'name', 'file', 'line', 'index', 'isStatic', 'params', 'pkt']);
const EDGE_CORE = new Set(['from', 'to', 'file', 'line', 'col', 'kind', 'candidates']);
/** Recorded in the header and checked, so a column change that forgot the version bump is still refused. */
const LAYOUT = `nodes ${NODE_COLS}, edges ${EDGE_COLS}, flows ${FLOW_COLS}, maps ${MAPS.join(' ')}`;

/** What the header records (JSON after the magic, format version and header length). */
interface Header {
  layout: string;
  /** Edge kinds and flow vias, by the small numbers the body uses (so a new kind needs no format change). */
  kinds: EdgeKind[];
  vias: Array<Flow['via']>;
  fingerprint: string;
  /** Of the body, in the form store.ts records shard checksums. */
  checksum: string;
  nodes: number;
  edges: number;
  flows: number;
  params: number;
  stringBytes: number;
  /** The MAPS and the per-record extra properties, as JSON after the columns. */
  extraBytes: number;
  stats: ResolutionStats;
  buildSeconds?: number;
}

/** Fingerprint a graph file must carry to serve an index in this state. */
export function graphKey(indexFingerprint: string): string {
  // The kernel knowledge the graph reads (queued handoffs, external invokers, dispatch macros)
  // is part of the key: editing it rebuilds the graph without a format bump.
  return crypto.createHash('sha1').update(`graph ${GRAPH_FORMAT_VERSION}\0${indexFingerprint}\0${KNOWLEDGE}`).digest('hex');
}
const KNOWLEDGE = crypto.createHash('sha1').update(JSON.stringify(rawKnowledge)).digest('hex');

export function graphPath(cacheDir: string): string {
  return path.join(cacheDir, GRAPH_FILE);
}

/** The graph file in one buffer (the worker hands it to the main thread; tests). */
export function encodeGraph(graph: GraphParts | CallGraph, fingerprint: string, buildSeconds?: number): Buffer {
  const f = encodeParts(graph, fingerprint, buildSeconds);
  const bodyStart = 16 + f.headerLen;
  const out = Buffer.alloc(bodyStart + f.body.reduce<number>((n, p) => n + ('edges' in p ? p.edges * EDGE_COLS * 4 : p.length), 0));
  let at = bodyStart;
  for (const p of f.body) {
    if ('edges' in p) {
      p.write(new Uint32Array(out.buffer, out.byteOffset + at, p.edges * EDGE_COLS), 0, p.edges);
      at += p.edges * EDGE_COLS * 4;
    } else at += p.copy(out, at);
  }
  f.head(checksum(out.subarray(bodyStart))).copy(out, 0);
  return out;
}

/** Edges written per piece when the file is streamed (1.5 MB). */
const EDGE_PIECE = 1 << 16;

/**
 * Writes the graph file beside the index, piece by piece (atomically: a temporary file renamed
 * into place); returns its size. The whole tree's file is 220 MB: built in memory, it was the
 * build's peak. Throws when the folder is not writable.
 */
export function writeGraphFile(cacheDir: string, graph: GraphParts | CallGraph, fingerprint: string, buildSeconds?: number): number {
  const f = encodeParts(graph, fingerprint, buildSeconds);
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = graphPath(cacheDir);
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const sum = new Checksum();
  let size = 16 + f.headerLen;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, Buffer.alloc(size, 0x20));
      const put = (b: Buffer) => {
        sum.update(b);
        for (let at = 0; at < b.length;) at += fs.writeSync(fd, b, at);
        size += b.length;
      };
      const piece = Buffer.alloc(EDGE_PIECE * EDGE_COLS * 4);
      for (const p of f.body) {
        if (!('edges' in p)) {
          put(p);
          continue;
        }
        for (let first = 0; first < p.edges; first += EDGE_PIECE) {
          const n = Math.min(EDGE_PIECE, p.edges - first);
          p.write(new Uint32Array(piece.buffer, piece.byteOffset, n * EDGE_COLS), first, n);
          put(piece.subarray(0, n * EDGE_COLS * 4));
        }
      }
      fs.writeSync(fd, f.head(sum.digest()), 0, 16 + f.headerLen, 0);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return size;
}

/** An edge section of the body: `write` fills `into` with the columns of edges first..first+count-1. */
interface EdgePart { edges: number; write: (into: Uint32Array, first: number, count: number) => void }

/**
 * A graph file as its parts: the body in order (buffers, and the edge columns written on demand),
 * its length before the body's start, and the file's first 16 + headerLen bytes given the body's checksum.
 */
function encodeParts(graph: GraphParts | CallGraph, fingerprint: string, buildSeconds?: number): { headerLen: number; body: Array<Buffer | EdgePart>; head: (sum: string) => Buffer } {
  const g = graph instanceof CallGraph ? graph.parts() : graph;
  const strings = new Map<string, number>();
  const id = (s: string) => {
    let n = strings.get(s);
    if (n === undefined) strings.set(s, (n = strings.size));
    return n;
  };
  const nodes = new Uint32Array(g.nodes.length * NODE_COLS);
  const params: number[] = [];
  const nodeExtras: Array<[number, Record<string, unknown>]> = [];
  const edgeExtras: Array<[number, Record<string, unknown>]> = [];
  g.nodes.forEach((n, i) => {
    const x = extraProps(n, NODE_CORE);
    if (x) nodeExtras.push([i, x]);
    const o = i * NODE_COLS;
    nodes[o] = id(n.name);
    nodes[o + 1] = id(n.file);
    nodes[o + 2] = n.line;
    nodes[o + 3] = n.index;
    nodes[o + 4] = (n.isStatic ? 1 : 0) | (n.params ? 2 : 0);
    nodes[o + 5] = params.length;
    nodes[o + 6] = n.params?.length ?? 0;
    nodes[o + 7] = n.pkt ?? 0;
    for (const p of n.params ?? []) params.push(id(p));
  });
  const kindIds = new Map<EdgeKind, number>();
  const viaIds = new Map<Flow['via'], number>();
  const small = <T>(m: Map<T, number>, v: T) => {
    let n = m.get(v);
    if (n === undefined) m.set(v, (n = m.size));
    if (n > 255) throw new Error('more than 256 edge kinds or flow vias');
    return n;
  };
  // The edge columns are the bulk of the file (6.6M edges, 160 MB on the whole tree): they are
  // written once, straight into the file's buffer (writeEdges), never built as a separate copy.
  let writeEdges: EdgePart['write'];
  let kinds: Uint8Array;
  if (g.edges instanceof EdgeTable) {
    // Columns already: string and kind ids mapped to this file's.
    const t = g.edges.columns();
    const fileIds = t.strings.map(id);
    const kindMap = t.kindNames.map((k) => small(kindIds, k));
    kinds = new Uint8Array(t.kindIds.length);
    for (let i = 0; i < kinds.length; i++) kinds[i] = kindMap[t.kindIds[i]];
    writeEdges = (into, first, count) => {
      into.set(t.cols.subarray(first * EDGE_COLS, (first + count) * EDGE_COLS));
      for (let o = 2; o < count * EDGE_COLS; o += EDGE_COLS) into[o] = fileIds[into[o]];
    };
    for (const [i, x] of t.extras) {
      const kept = extraProps(x, EDGE_CORE);
      if (kept) edgeExtras.push([i, kept]);
    }
    edgeExtras.sort((a, b) => a[0] - b[0]);
  } else {
    const edgeList = g.edges;
    const edges = new Uint32Array(edgeList.length * EDGE_COLS);
    writeEdges = (into, first, count) => into.set(edges.subarray(first * EDGE_COLS, (first + count) * EDGE_COLS));
    kinds = new Uint8Array(edgeList.length);
    edgeList.forEach((e, i) => {
      const x = extraProps(e, EDGE_CORE);
      if (x) edgeExtras.push([i, x]);
      const o = i * EDGE_COLS;
      edges[o] = e.from;
      edges[o + 1] = e.to;
      edges[o + 2] = id(e.file);
      edges[o + 3] = e.line;
      edges[o + 4] = e.col;
      edges[o + 5] = e.candidates ?? NONE;
      kinds[i] = small(kindIds, e.kind);
    });
  }
  const flowRows: number[] = [];
  for (const [field, list] of g.flows) {
    for (const f of list) flowRows.push(id(field), f.fn, f.struct === undefined ? NONE : id(f.struct), small(viaIds, f.via));
  }
  const text = Buffer.from([...strings.keys()].join('\0'), 'utf8');
  const fields = [...g.fields].map(([owner, m]) => [owner, [...m]]);
  const extra = Buffer.from(JSON.stringify({ ...Object.fromEntries(MAPS.map((k) => [k, [...g[k]]])), nodeExtras, edgeExtras, fields }), 'utf8');
  const body: Array<Buffer | EdgePart> = [
    pad(text), u32(nodes), u32(Uint32Array.from(params)), { edges: kinds.length, write: writeEdges }, pad(Buffer.from(kinds.buffer, kinds.byteOffset, kinds.length)), u32(Uint32Array.from(flowRows)), pad(extra),
  ];
  const header = (sum: string): string => JSON.stringify({
    layout: LAYOUT, kinds: [...kindIds.keys()], vias: [...viaIds.keys()], fingerprint, checksum: sum, nodes: g.nodes.length, edges: kinds.length, flows: flowRows.length / FLOW_COLS,
    params: params.length, stringBytes: text.length, extraBytes: extra.length, stats: g.stats, ...(buildSeconds !== undefined ? { buildSeconds } : {}),
  } satisfies Header);
  // Room for the header is kept before the body (padded with spaces, which the reader trims),
  // and the header written once the body's checksum is known.
  const headerLen = padded(Buffer.byteLength(header(checksum(Buffer.alloc(0))), 'utf8') + 256);
  const head = (sum: string) => {
    const json = Buffer.from(header(sum), 'utf8');
    if (json.length > headerLen) throw new Error('graph header outgrew its room');
    const out = Buffer.alloc(16 + headerLen, 0x20);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(GRAPH_FORMAT_VERSION, 8);
    out.writeUInt32LE(headerLen, 12);
    json.copy(out, 16);
    return out;
  };
  return { headerLen, body, head };
}

export class GraphFileError extends Error {}

/** Bytes checksummed, and bytes of the string table decoded, between pauses of a sliced restore. */
const CHECKSUM_SLICE = 1 << 22;
const STRING_SLICE = 1 << 18;

/**
 * The parts of a graph file, checked: magic, format version, fingerprint, length and body
 * checksum. Throws GraphFileError saying what does not match.
 */
export function decodeGraph(buf: Buffer, fingerprint: string): GraphParts & { buildSeconds?: number } {
  return drain(decodeSteps(buf, fingerprint));
}

/** decodeGraph as steps that pause in its long loops (see slices.ts). */
function* decodeSteps(buf: Buffer, fingerprint: string): Steps<GraphParts & { buildSeconds?: number }> {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) throw new GraphFileError('not a netpath graph file');
  const version = buf.readUInt32LE(8);
  if (version !== GRAPH_FORMAT_VERSION) throw new GraphFileError(`graph format ${version} is not ${GRAPH_FORMAT_VERSION}`);
  const headerLen = buf.readUInt32LE(12);
  if (16 + headerLen > buf.length) throw new GraphFileError('truncated header');
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 16, 16 + headerLen).trimEnd()) as Header;
  } catch {
    throw new GraphFileError('unreadable header');
  }
  if (h.layout !== LAYOUT) throw new GraphFileError('written with another column layout');
  if (h.fingerprint !== fingerprint) throw new GraphFileError('built from another index state');
  if (!Array.isArray(h.kinds) || !Array.isArray(h.vias)) throw new GraphFileError('malformed header');
  // Typed arrays need 4-byte alignment: a Buffer from a pool may not have it.
  let body = buf.subarray(16 + headerLen);
  const sizes = [padded(h.stringBytes), h.nodes * NODE_COLS * 4, h.params * 4, h.edges * EDGE_COLS * 4, padded(h.edges), h.flows * FLOW_COLS * 4, padded(h.extraBytes)];
  if (sizes.some((n) => !Number.isInteger(n) || n < 0) || body.length !== sizes.reduce((a, b) => a + b, 0)) throw new GraphFileError('truncated or malformed body');
  const sum = new Checksum();
  for (let at = 0; at < body.length; at += CHECKSUM_SLICE) {
    sum.update(body.subarray(at, at + CHECKSUM_SLICE));
    yield;
  }
  if (sum.digest() !== h.checksum) throw new GraphFileError('checksum mismatch');
  if (body.byteOffset % 4) body = Buffer.from(body);
  yield;
  let at = 0;
  const take = (n: number) => {
    const part = body.subarray(at, at + n);
    at += n;
    return part;
  };
  const col = (n: number) => {
    const part = take(n * 4);
    return new Uint32Array(part.buffer, part.byteOffset, n);
  };
  // The string table (megabytes) is cut at NUL bytes into slices, so a sliced restore can pause.
  const stringBytes = take(sizes[0]);
  const strings: string[] = [];
  for (let from = 0; ;) {
    let to = Math.min(from + STRING_SLICE, h.stringBytes);
    if (to < h.stringBytes) {
      const nul = stringBytes.indexOf(0, to);
      to = nul < 0 || nul > h.stringBytes ? h.stringBytes : nul;
    }
    for (const x of stringBytes.toString('utf8', from, to).split('\0')) strings.push(x);
    yield;
    if (to >= h.stringBytes) break;
    from = to + 1;
  }
  const nodeCols = col(h.nodes * NODE_COLS);
  const paramIds = col(h.params);
  const edgeCols = col(h.edges * EDGE_COLS);
  const kinds = take(sizes[4]);
  const flowCols = col(h.flows * FLOW_COLS);
  let extra: Record<(typeof MAPS)[number] | 'nodeExtras' | 'edgeExtras' | 'fields', unknown>;
  try {
    extra = JSON.parse(take(sizes[6]).toString('utf8', 0, h.extraBytes));
  } catch {
    throw new GraphFileError('unreadable extra section');
  }
  if ([...MAPS, 'nodeExtras', 'edgeExtras', 'fields'].some((k) => !Array.isArray(extra[k as keyof typeof extra]))) throw new GraphFileError('malformed extra section');
  const str = (i: number) => {
    const s = strings[i];
    if (s === undefined) throw new GraphFileError('string index out of range');
    return s;
  };
  const nodes = new Array<FnNode>(h.nodes);
  for (let i = 0; i < h.nodes; i++) {
    const o = i * NODE_COLS;
    const flags = nodeCols[o + 4];
    const n: FnNode = { id: i, name: str(nodeCols[o]), file: str(nodeCols[o + 1]), line: nodeCols[o + 2], index: nodeCols[o + 3], isStatic: (flags & 1) === 1 };
    if (flags & 2) {
      const start = nodeCols[o + 5];
      const list = new Array<string>(nodeCols[o + 6]);
      for (let k = 0; k < list.length; k++) list[k] = str(paramIds[start + k]);
      n.params = list;
    }
    if (nodeCols[o + 7]) n.pkt = nodeCols[o + 7];
    nodes[i] = n;
    if (due(i)) yield;
  }
  // Edges stay in their columns (EdgeTable): checked here, made into objects only on demand.
  const kindNames = h.kinds;
  for (let i = 0; i < h.edges; i++) {
    const o = i * EDGE_COLS;
    if (!kindNames[kinds[i]] || edgeCols[o] >= h.nodes || edgeCols[o + 1] >= h.nodes || edgeCols[o + 2] >= strings.length) throw new GraphFileError('edge out of range');
    if (due(i, 32768)) yield;
  }
  const flows = new Map<string, Flow[]>();
  for (let i = 0; i < h.flows; i++) {
    const o = i * FLOW_COLS;
    const field = str(flowCols[o]);
    const via = h.vias[flowCols[o + 3]];
    if (!via || flowCols[o + 1] >= h.nodes) throw new GraphFileError('flow out of range');
    const f: Flow = { fn: flowCols[o + 1], via };
    if (flowCols[o + 2] !== NONE) f.struct = str(flowCols[o + 2]);
    const list = flows.get(field);
    if (list) list.push(f);
    else flows.set(field, [f]);
    if (due(i)) yield;
  }
  for (const [i, x] of extra.nodeExtras as Array<[number, object]>) {
    if (!nodes[i]) throw new GraphFileError('node extra out of range');
    Object.assign(nodes[i], x);
  }
  const edgeExtras = new Map<number, Record<string, unknown>>();
  for (const [i, x] of extra.edgeExtras as Array<[number, Record<string, unknown>]>) {
    if (!(i >= 0 && i < h.edges)) throw new GraphFileError('edge extra out of range');
    edgeExtras.set(i, x);
  }
  const edges = new EdgeTable(edgeCols, kinds.subarray(0, h.edges), kindNames, strings, edgeExtras);
  const external = new Map(extra.external as Array<[number, ExternalCaller[]]>);
  const edgeArgs = new Map(extra.edgeArgs as Array<[number, Array<[number, number]>]>);
  const fields: FieldTypes = new Map();
  for (const entry of extra.fields as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) throw new GraphFileError('malformed field types');
    fields.set(entry[0], new Map(entry[1] as Array<[string, string]>));
  }
  return { nodes, edges, flows, external, edgeArgs, fields, stats: h.stats, ...(h.buildSeconds !== undefined ? { buildSeconds: h.buildSeconds } : {}) };
}

/**
 * What typeOf reads. The struct field types come from the graph file (gathering them again from
 * every file's structs took 0.7 s of each CLI query on the default scope); a function's locals
 * and return struct are read from its own file when typeOf first asks about it, so a query that
 * types a few calls decodes a few files, not all of them.
 */
export function typesFromFiles(nodes: FnNode[], files: Map<string, FileFacts>, fields: FieldTypes): GraphTypes {
  const interned = new Map<string, string>();
  const intern = (s: string) => {
    const x = interned.get(s);
    if (x !== undefined) return x;
    const c = flat(s);
    interned.set(c, c);
    return c;
  };
  const fnOf = (id: number) => {
    const n = nodes[id];
    const fn = n ? files.get(n.file)?.functions[n.index] : undefined;
    return fn !== undefined && fn.name === n.name ? fn : undefined;
  };
  const returns = new Map<number, string | undefined>();
  return {
    varsOf: (id) => fnOf(id)?.vars,
    returnStructOf: (id) => {
      if (!returns.has(id)) {
        const fn = fnOf(id);
        returns.set(id, fn ? returnOf(fn.signature, fn.name, intern) : undefined);
      }
      return returns.get(id);
    },
    fields,
  };
}

/** A graph from its file's bytes, typeOf reading `files` when first called. Throws GraphFileError. */
export function restoreGraph(buf: Buffer, fingerprint: string, files: Map<string, FileFacts>): CallGraph {
  return drain(restoreSteps(buf, fingerprint, files));
}

/** restoreGraph in slices that give the event loop back (the language server's thread). */
export function restoreGraphSliced(buf: Buffer, fingerprint: string, files: Map<string, FileFacts>): Promise<CallGraph> {
  return sliced(restoreSteps(buf, fingerprint, files));
}

function* restoreSteps(buf: Buffer, fingerprint: string, files: Map<string, FileFacts>): Steps<CallGraph> {
  const parts = yield* decodeSteps(buf, fingerprint);
  return yield* CallGraph.restoreSteps(parts, () => typesFromFiles(parts.nodes, files, parts.fields));
}

export type LoadOutcome = { graph: CallGraph; seconds: number; bytes: number } | { problem: string };

/** loadGraphFile in slices (the language server); the file is read whole, then restored in slices. */
export async function loadGraphFileSliced(cacheDir: string, fingerprint: string, files: Map<string, FileFacts>): Promise<LoadOutcome> {
  const started = process.hrtime.bigint();
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(graphPath(cacheDir));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'no persisted graph' : `persisted graph unreadable (${code ?? (e as Error).message})` };
  }
  try {
    const graph = await restoreGraphSliced(buf, fingerprint, files);
    return { graph, seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: buf.length };
  } catch (e) {
    if (e instanceof GraphFileError) return { problem: `persisted graph not used: ${e.message}` };
    throw e;
  }
}

/** Loads the persisted graph of `cacheDir` if it was built from this index state; else says why not. */
export function loadGraphFile(cacheDir: string, fingerprint: string, files: Map<string, FileFacts>): LoadOutcome {
  const started = process.hrtime.bigint();
  let buf: Buffer;
  try {
    buf = fs.readFileSync(graphPath(cacheDir));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'no persisted graph' : `persisted graph unreadable (${code ?? (e as Error).message})` };
  }
  try {
    const graph = restoreGraph(buf, fingerprint, files);
    return { graph, seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: buf.length };
  } catch (e) {
    if (e instanceof GraphFileError) return { problem: `persisted graph not used: ${e.message}` };
    throw e;
  }
}

/** Writes the graph file atomically; returns its size. Throws when the folder is not writable. */
export function saveGraphFile(cacheDir: string, bytes: Buffer): number {
  fs.mkdirSync(cacheDir, { recursive: true });
  atomicWrite(graphPath(cacheDir), bytes);
  return bytes.length;
}

function extraProps(o: object, core: Set<string>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (!core.has(k) && v !== undefined) (out ??= {})[k] = v;
  }
  return out;
}

function u32(a: Uint32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function padded(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function pad(b: Buffer): Buffer {
  const extra = padded(b.length) - b.length;
  return extra ? Buffer.concat([b, Buffer.alloc(extra, 0x20)]) : b;
}
