// The call graph saved with the index, on the real Debian 6.1 and 6.12 trees: `netpath index`
// writes it, a warm `netpath path` / `callers` loads it (never builds it) and answers exactly as a
// graph built fresh from the index. Timing is the benchmark's business (npm run bench), not here.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyOfSharedIndex, KERNEL_VERSIONS, kernelTree, TEST_SCOPE } from '../helpers/kernels';
import { KernelIndex } from '../../server/src/engine/indexer';
import { CallGraph } from '../../server/src/engine/callgraph/graph';
import { GRAPH_FILE } from '../../server/src/engine/callgraph/graph-store';

const CLI = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
/** The scope every kernel test shares (TEST_SCOPE, the default), so one cached index serves all. */
const SCOPE = TEST_SCOPE;

function netpath(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync(CLI), `prerequisite missing: ${CLI}; run "npm run build"`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

for (const version of KERNEL_VERSIONS) {
  describe(`persisted call graph on Linux ${version}`, () => {
    let root = '';
    let cache = '';
    before(() => {
      root = kernelTree(version);
      // A copy of the shared index without its graph (other files read the shared one meanwhile),
      // so `index` must build and save the graph: no second cold parse of the tree.
      cache = copyOfSharedIndex(root, `graph-${version}`, { graph: false });
    });
    after(() => fs.rmSync(cache, { recursive: true, force: true }));

    test('netpath index saves the graph; a warm path and callers load it and answer as a fresh build', async () => {
      const common = ['--kernel', root, '--cache', cache, '--scope', SCOPE.join(','), '--json'];
      const indexed = netpath(['index', root, '--cache', cache, '--scope', SCOPE.join(','), '--json', '--quiet']);
      assert.equal(indexed.status, 0, indexed.stderr);
      const s = JSON.parse(indexed.stdout);
      assert.equal(s.graph.source, 'built');
      assert.ok(s.graph.bytes > 1e5, `graph file of ${s.graph.bytes} bytes`);
      assert.ok(fs.statSync(path.join(s.cacheDir, GRAPH_FILE)).size === s.graph.bytes);

      const warm = netpath(['path', 'ixgbe_poll', '__udp_queue_rcv_skb', ...common, '--verbose', '--quiet']);
      assert.equal(warm.status, 0, warm.stderr);
      assert.match(warm.stderr, /call graph loaded/, 'the warm query loads the saved graph');
      assert.doesNotMatch(warm.stderr, /building it/);
      const callers = netpath(['callers', 'ip_rcv', ...common, '--verbose', '--quiet']);
      assert.equal(callers.status, 0, callers.stderr);
      assert.match(callers.stderr, /call graph loaded/);

      const idx = await KernelIndex.open(root, { scope: SCOPE, cacheRoot: cache });
      const fresh = CallGraph.build(idx.files, idx.knowledge);
      const expected = fresh.rankedPaths('ixgbe_poll', '__udp_queue_rcv_skb', 3);
      assert.ok(expected.length > 0 && expected[0].hops.some((h) => h.callee === 'udp_rcv'), JSON.stringify(expected[0]));
      assert.deepEqual(JSON.parse(warm.stdout), { from: 'ixgbe_poll', to: '__udp_queue_rcv_skb', paths: expected });
      const into = fresh.idsOf('ip_rcv').flatMap((id) => fresh.in[id].map((e) => fresh.hop(fresh.edges[e])));
      into.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
      assert.deepEqual(JSON.parse(callers.stdout), { function: 'ip_rcv', callers: into });

      // `index` again: nothing changed, so the graph is loaded, not built.
      const again = JSON.parse(netpath(['index', root, '--cache', cache, '--scope', SCOPE.join(','), '--json', '--quiet']).stdout);
      assert.equal(again.graph.source, 'loaded');
      assert.equal(again.graph.edges, s.graph.edges);
    });
  });
}
