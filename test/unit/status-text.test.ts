// Status bar wording for each index state (client/src/status-text.ts, no VS Code needed).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { statusText } from '../../client/src/status-text';
import type { IndexSummary } from '../../shared/protocol';

const summary: IndexSummary = {
  root: '/src/linux-6.12', version: '6.12.117', scope: ['drivers/net', 'include', 'net'], files: 12750, functions: 180431,
  indexed: 12, fromCache: 12738, skipped: 2, seconds: 1.234,
};

test('ready shows the file count with thousands separators and details in the tooltip', () => {
  const s = statusText({ state: 'ready', summary, fileUpdates: 0 });
  assert.equal(s.text, '$(database) netpath: 12,750 files');
  assert.equal(s.warning, false);
  assert.match(s.tooltip, /Linux 6\.12\.117 at \/src\/linux-6\.12/);
  assert.match(s.tooltip, /180,431 functions/);
  assert.match(s.tooltip, /12 parsed, 12,738 from cache, 2 skipped/);
});

test('indexing shows a spinner and the percentage once the total is known', () => {
  assert.equal(statusText({ state: 'indexing', done: 0, total: 0, fileUpdates: 0 }).text, '$(sync~spin) netpath: indexing…');
  const s = statusText({ state: 'indexing', done: 2500, total: 10000, fileUpdates: 0 });
  assert.equal(s.text, '$(sync~spin) netpath: indexing… 25%');
  assert.equal(s.tooltip, 'netpath: 2,500 of 10,000 files parsed');
});

test('unavailable is a warning that explains why', () => {
  const s = statusText({ state: 'unavailable', message: '/tmp/x is not a Linux kernel tree', fileUpdates: 0 });
  assert.equal(s.warning, true);
  assert.equal(s.tooltip, '/tmp/x is not a Linux kernel tree');
});

test('a re-index that was cancelled keeps the previous index and says so', () => {
  const s = statusText({ state: 'ready', summary, message: 're-index cancelled; serving the previous index', fileUpdates: 3 });
  assert.match(s.tooltip, /re-index cancelled/);
});
