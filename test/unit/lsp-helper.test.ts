// The LSP test helper (test/helpers/lsp-server.ts) cannot hang a test: a wait fails as soon as the
// server exits, with its exit and stderr, and every wait has a bound. Runs the built server
// (dist/server.js) on a folder that is not a kernel tree, so it starts in a moment.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspServer } from '../helpers/lsp-server';
import { tempCache } from '../helpers/kernels';

test('waits and requests fail at once when the server dies, naming the exit', async () => {
  const folder = tempCache('lsp-helper');
  fs.writeFileSync(path.join(folder, 'main.c'), 'int main(void) { return 0; }\n');
  try {
    const lsp = await LspServer.start(folder, { cacheDirectory: folder });
    await lsp.waitFor((p) => p.method === 'window/showMessage'); // it is up and answered the folder
    const never = lsp.waitFor((p) => p.method === 'netpath/never-sent');
    const started = Date.now();
    process.kill(lsp.pid, 'SIGKILL');
    await assert.rejects(never, /the language server exited \(code null, signal SIGKILL\)/);
    await assert.rejects(lsp.connection.sendRequest('workspace/symbol', { query: 'main' }), /exited|disposed|closed/i);
    assert.ok(Date.now() - started < 5_000, 'at once, not after a timeout');
    assert.equal(lsp.alive, false);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('a wait for something the server never sends fails after its bound', async () => {
  const folder = tempCache('lsp-helper-bound');
  try {
    const lsp = await LspServer.start(folder, { cacheDirectory: folder });
    await assert.rejects(lsp.waitFor((p) => p.method === 'netpath/never-sent', 0, 300), /no answer from the language server in 0\.3 s/);
    assert.equal(await lsp.stop(), 0);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
