// A built graph's edge columns come in chunks (edge-columns.ts: the whole tree's build never copies
// them to grow); the table reads across chunk boundaries as a restored graph reads its one array,
// and the graph file written from chunks decodes to the same edges.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EdgeColumns } from '../../server/src/engine/callgraph/edge-columns';
import { decodeGraph, encodeGraph } from '../../server/src/engine/callgraph/graph-store';
import type { EdgeTable } from '../../server/src/engine/callgraph/edge-table';
import type { FnNode } from '../../server/src/engine/callgraph/types';

/** Over two chunks of 2^18 edges, so the last one is partial. */
const EDGES = 600_001;
const NODES = 1000;

function built(): EdgeTable {
  const c = new EdgeColumns();
  for (let i = 0; i < EDGES; i++) {
    c.newScope();
    const indirect = i % 7 === 0;
    assert.ok(c.add(i % NODES, (i * 31) % NODES, `net/f${i % 13}.c`, i + 1, i % 80, indirect ? 'field' : 'direct', indirect ? 1 + (i % 5) : undefined, i % 11 === 0 ? 2 : undefined));
  }
  // A repeat within one scope is not added.
  assert.equal(c.add(0, 0, 'net/f0.c', 1, 0, 'direct'), true);
  assert.equal(c.add(0, 0, 'net/f0.c', 1, 0, 'direct'), false);
  return c.finish();
}

function check(t: EdgeTable, label: string): void {
  assert.equal(t.length, EDGES + 1, label);
  for (const i of [0, 1, (1 << 18) - 1, 1 << 18, (1 << 18) + 1, (2 << 18) - 1, 2 << 18, EDGES - 1]) {
    const indirect = i % 7 === 0;
    assert.equal(t.from(i), i % NODES, `${label} from(${i})`);
    assert.equal(t.to(i), (i * 31) % NODES, `${label} to(${i})`);
    assert.equal(t.line(i), i + 1, `${label} line(${i})`);
    assert.equal(t.col(i), i % 80, `${label} col(${i})`);
    assert.equal(t.kind(i), indirect ? 'field' : 'direct', `${label} kind(${i})`);
    assert.equal(t.candidates(i), indirect ? 1 + (i % 5) : undefined, `${label} candidates(${i})`);
    assert.equal(t.param(i), i % 11 === 0 ? 2 : undefined, `${label} param(${i})`);
    assert.equal(t.edge(i).file, `net/f${i % 13}.c`, `${label} file(${i})`);
  }
  assert.deepEqual(t.edge(EDGES), { from: 0, to: 0, file: 'net/f0.c', line: 1, col: 0, kind: 'direct' }, label);
}

test('edges read the same on both sides of every chunk boundary, and copied out across them', () => {
  const t = built();
  check(t, 'built');
  // A copy that starts in one chunk and ends in the next equals the edges one by one.
  const first = (1 << 18) - 3;
  const into = new Uint32Array(6 * 7);
  t.copyColumns(into, first, 7);
  for (let k = 0; k < 7; k++) {
    const e = t.edge(first + k);
    assert.deepEqual([into[k * 6], into[k * 6 + 1], into[k * 6 + 3], into[k * 6 + 4]], [e.from, e.to, e.line, e.col], `edge ${first + k}`);
  }
});

test('a graph file written from chunked columns decodes to the same edges (one array)', () => {
  const nodes: FnNode[] = Array.from({ length: NODES }, (_, id) => ({ id, name: `fn${id}`, file: `net/f${id % 13}.c`, line: id + 1, index: 0, isStatic: false }));
  const stats = { indirectSites: 0, resolvedSites: 0, resolvedFraction: 0, meanCandidates: 0, medianCandidates: 0, naive: { resolvedSites: 0, meanCandidates: 0, medianCandidates: 0 } };
  const buf = encodeGraph({ nodes, edges: built(), flows: new Map(), external: new Map(), edgeArgs: new Map(), stats, fields: new Map() }, 'fp');
  const back = decodeGraph(buf, 'fp');
  check(back.edges as EdgeTable, 'decoded');
});
