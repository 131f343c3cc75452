// The live drop session script: the README shows exactly what netpath sends, only validated
// values enter it, and the shells a host may have parse it (dash and bash, -n: no execution).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sessionScript } from '../../server/src/live-drops/session-script';

const EXAMPLE = '@@netpath-0123456789abcdef';

test('README "what runs on the host" holds the exact live drop script', () => {
  const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
  const at = readme.indexOf('### Exactly what runs on the host, what it changes, how it is restored');
  assert.ok(at > 0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.equal(block?.[1], sessionScript(1, EXAMPLE));
});

test('only validated values: interval, cap and marker are checked', () => {
  assert.throws(() => sessionScript(0, EXAMPLE), /interval/);
  assert.throws(() => sessionScript(1.5, EXAMPLE), /interval/);
  assert.throws(() => sessionScript(1, "@@netpath-0123456789abcdef'; reboot; '"), /marker/);
  assert.throws(() => sessionScript(1, EXAMPLE, 10), /cap/);
  assert.throws(() => sessionScript(1, EXAMPLE, 1000, 'bpftrace; reboot' as 'auto'), /source/);
  assert.match(sessionScript(7, EXAMPLE, 1000, 'tracefs'), /\nI=7\nCAP=1000\nS=16\nSRC=tracefs\n/);
});

test('dash and bash parse it', () => {
  for (const sh of ['/bin/dash', '/bin/bash']) {
    assert.ok(fs.existsSync(sh), `prerequisite missing: ${sh}`);
    const r = spawnSync(sh, ['-n'], { input: sessionScript(1, EXAMPLE), encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, `${sh} -n: ${r.stderr}`);
  }
});
