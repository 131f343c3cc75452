// The language server's first go-to-definition after a warm start comes from the symbols lookup
// beside the cache, before the index has opened, and is the answer the index gives afterwards,
// also after an edit to the open buffer (which the index, not the lookup, answers).
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KERNEL_VERSIONS, kernelTree, copyOfSharedIndex } from '../helpers/kernels';
import { LspServer } from '../helpers/lsp-server';
import { IndexReadyNotification } from '../../shared/protocol';

type Loc = { uri: string; range: { start: { line: number; character: number } } };

function findLine(file: string, re: RegExp, word: string): { line: number; character: number } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => re.test(l));
  assert.ok(line >= 0, `${re} not in ${file}`);
  return { line, character: lines[line].indexOf(word) };
}

for (const version of KERNEL_VERSIONS) {
  describe(`first definition after a warm start on Linux ${version}`, () => {
    test('answered from the symbols lookup before the index is ready, the same as the index answers after', async () => {
      const root = kernelTree(version);
      const cache = copyOfSharedIndex(root, 'lsp-first-def');
      // A warm start: the copy brought up to date first (another test file may have touched a
      // file of the tree since the shared index was written), which writes the lookup again.
      const cli = path.join(__dirname, '..', '..', 'dist', 'netpath.js');
      const warm = spawnSync(process.execPath, [cli, 'def', 'tap_handle_frame', '--kernel', root, '--cache', cache], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(warm.status, 0, warm.stderr);
      const lsp = await LspServer.start(root, { cacheDirectory: cache });
      try {
        const file = 'drivers/net/macvtap.c';
        const uri = pathToFileURL(path.join(root, file)).toString();
        await lsp.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: fs.readFileSync(path.join(root, file), 'utf8') } });
        const at = findLine(path.join(root, file), /netdev_rx_handler_register\(dev, tap_handle_frame/, 'tap_handle_frame');
        const ask = () => lsp.connection.sendRequest<Loc[]>('textDocument/definition', { textDocument: { uri }, position: { line: at.line, character: at.character + 3 } });
        const early = await ask();
        assert.equal(lsp.pushed.some((p) => p.method === IndexReadyNotification.method), false, 'answered before the index was ready');
        const body = findLine(path.join(root, 'drivers/net/tap.c'), /^rx_handler_result_t tap_handle_frame\(/, 'tap_handle_frame');
        assert.deepEqual(early.map((d) => [d.uri, d.range.start]), [[pathToFileURL(path.join(root, 'drivers/net/tap.c')).toString(), body]]);
        await lsp.ready();
        assert.deepEqual(await ask(), early, 'the index, once open, gives the same answer');
        // An edited buffer: the index answers (its text may define what the disk does not).
        await lsp.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }] });
        const edited = await lsp.connection.sendRequest<Loc[]>('textDocument/definition', { textDocument: { uri }, position: { line: at.line + 1, character: at.character + 3 } });
        assert.deepEqual(edited, early);
      } finally {
        await lsp.stop();
        fs.rmSync(cache, { recursive: true, force: true });
      }
    });
  });
}
