// Golden files for call-graph edges: one line per edge, "caller -> callee (kind)", without
// line numbers, so a Debian point release that shifts lines does not churn them. Set
// NETPATH_UPDATE_GOLDEN=1 to write the current output instead of comparing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CallGraph } from '../../server/src/engine/callgraph/graph';

export function edgeLines(graph: CallGraph, file: string): string[] {
  const lines = new Set<string>();
  for (const e of graph.edges) {
    if (e.file === file) lines.add(`${graph.nodes[e.from].name} -> ${graph.nodes[e.to].name} (${e.kind})`);
  }
  return [...lines].sort();
}

export function checkGolden(name: string, actual: string[]): void {
  const file = path.join(__dirname, '..', 'golden', name);
  const text = actual.join('\n') + '\n';
  if (process.env.NETPATH_UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.ok(fs.existsSync(file), `golden file ${file} is missing; write it with NETPATH_UPDATE_GOLDEN=1 and review it`);
  assert.equal(text, fs.readFileSync(file, 'utf8'), `call-graph edges of ${name} changed; if intended, update with NETPATH_UPDATE_GOLDEN=1 and review the diff`);
}
