// The call graph worker running out of memory is an error that names its cause, and the process
// that asked stays up and answers what needs no graph. The worker's heap is made tiny on purpose
// (NETPATH_GRAPH_WORKER_HEAP_MB, which exists for this test), over a real index of a small tree:
// once in this process (AnalysisHost, as the server uses it) and once in the built language server.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KernelIndex } from '../../server/src/engine/indexer';
import { graphPath } from '../../server/src/engine/callgraph/graph-store';
import { AnalysisHost, GraphOutOfMemoryError } from '../../server/src/engine/analysis/snapshot';
import { makeFakeTree, removeTree } from '../helpers/fake-tree';
import { tempCache } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';

const TINY_MB = 2;
const DEV_C = [
  'int deliver(struct sk_buff *skb)',
  '{',
  '\treturn 0;',
  '}',
  'int netif_receive_skb(struct sk_buff *skb)',
  '{',
  '\treturn deliver(skb);',
  '}',
  '',
].join('\n');

let root = '';
let cache = '';

before(() => {
  root = makeFakeTree({ 'net/core/dev.c': DEV_C });
  cache = tempCache('graph-oom');
});

after(() => {
  delete process.env.NETPATH_GRAPH_WORKER_HEAP_MB;
  removeTree(root);
  removeTree(cache);
});

test('a graph worker out of memory is an error naming the limit; the version keeps it, the index still answers', async () => {
  const idx = await KernelIndex.open(root, { cacheRoot: cache });
  fs.rmSync(graphPath(idx.cacheDir), { force: true });
  const logged: string[] = [];
  process.env.NETPATH_GRAPH_WORKER_HEAP_MB = String(TINY_MB);
  try {
    const host = new AnalysisHost({ worker: true, log: (level, m) => logged.push(`${level}: ${m}`) });
    host.setIndex(idx);
    const a = host.analysis()!;
    await assert.rejects(a.graph(), (e: unknown) => e instanceof GraphOutOfMemoryError && new RegExp(`call graph worker ran out of memory \\(limit ${TINY_MB} MB\\)`).test(e.message));
    assert.ok(logged.some((l) => l.startsWith('error: call graph worker ran out of memory')), logged.join('\n'));
    // Never rebuilt in this thread (it would take the process down on a tree too large for the worker).
    assert.ok(!logged.some((l) => l.includes('building in this thread')), logged.join('\n'));
    assert.equal(fs.existsSync(graphPath(idx.cacheDir)), false);
    // The same version answers with the same error at once, without another worker.
    const started = Date.now();
    await assert.rejects(a.graph(), GraphOutOfMemoryError);
    assert.ok(Date.now() - started < 1000);
    // What needs no graph still answers.
    assert.deepEqual(idx.symbols().definitions('deliver').map((d) => d.file), ['net/core/dev.c']);
  } finally {
    delete process.env.NETPATH_GRAPH_WORKER_HEAP_MB;
  }
  // With room, the same index gets its graph.
  const host = new AnalysisHost({ worker: true });
  host.setIndex(idx);
  const g = await host.analysis()!.graph();
  assert.ok(g.idsOf('deliver').length === 1 && g.inOf(g.idsOf('deliver')[0]).length === 1);
});

test('the language server reports the worker out of memory on a graph request and answers a definition after it', async () => {
  process.env.NETPATH_GRAPH_WORKER_HEAP_MB = String(TINY_MB); // inherited by the server process
  const serverCache = tempCache('graph-oom-lsp');
  let lsp: LspServer | undefined;
  try {
    lsp = await LspServer.start(root, { cacheDirectory: serverCache });
    await lsp.ready();
    const uri = pathToFileURL(path.join(root, 'net/core/dev.c')).toString();
    await lsp.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: DEV_C } });
    const at = { textDocument: { uri }, position: { line: 6, character: 9 } }; // deliver(skb)
    await assert.rejects(lsp.connection.sendRequest('textDocument/prepareCallHierarchy', at), new RegExp(`call graph worker ran out of memory \\(limit ${TINY_MB} MB\\)`));
    const defs = await lsp.connection.sendRequest('textDocument/definition', at) as Array<{ uri: string; range: { start: { line: number } } }>;
    assert.ok(Array.isArray(defs) && defs.some((d) => d.uri === uri && d.range.start.line === 0), JSON.stringify(defs));
    assert.equal(lsp.alive, true);
    assert.equal(await lsp.stop(), 0);
  } finally {
    delete process.env.NETPATH_GRAPH_WORKER_HEAP_MB;
    if (lsp?.alive) await lsp.stop();
    removeTree(serverCache);
  }
});
