// What the probe commands ask the server for: lens arguments win, else the cursor in a C editor.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { HOST_PROBE_CHOICES, noTargetMessage, probeParams } from '../../client/src/probe-params';
import { BPFTRACE_PROBE_COMMANDS, PROBE_COMMANDS, PROBE_FOR_HOST_COMMAND } from '../../shared/protocol';
import * as fs from 'node:fs';
import * as path from 'node:path';

const cursor = { uri: 'file:///k/net/ipv4/udp.c', languageId: 'c', line: 2170 };

test('a code lens names the function and its line; the cursor gives the line otherwise', () => {
  const args = { uri: 'file:///k/drivers/net/tap.c', function: 'tap_handle_frame', line: 317 };
  assert.deepEqual(probeParams('drops', args, cursor), { mode: 'drops', uri: args.uri, function: 'tap_handle_frame', line: 317 });
  assert.deepEqual(probeParams('function', undefined, cursor), { mode: 'function', uri: cursor.uri, line: 2170 });
  assert.deepEqual(probeParams('line', undefined, cursor), { mode: 'line', uri: cursor.uri, line: 2170 });
  assert.deepEqual(probeParams('path', undefined, cursor), { mode: 'path', uri: cursor.uri, line: 2170 });
});

test('a tool and a host ride along; "Probe for host" offers the line as SystemTap only', () => {
  const args = { uri: 'file:///k/drivers/net/tap.c', function: 'tap_handle_frame', line: 317 };
  assert.deepEqual(probeParams('drops', args, cursor, { tool: 'bpftrace' }), { mode: 'drops', uri: args.uri, function: 'tap_handle_frame', line: 317, tool: 'bpftrace' });
  assert.deepEqual(probeParams('path', undefined, cursor, { host: 'web1' }), { mode: 'path', uri: cursor.uri, line: 2170, host: 'web1' });
  assert.deepEqual(HOST_PROBE_CHOICES.filter((c) => c.tool).map((c) => [c.mode, c.tool]), [['line', 'stap']]);
  assert.deepEqual(HOST_PROBE_CHOICES.map((c) => c.mode).sort(), ['drops', 'function', 'line', 'path']);
});

test('nothing to probe without a C editor or with malformed lens arguments', () => {
  assert.equal(probeParams('function', undefined, undefined), undefined);
  assert.equal(probeParams('function', undefined, { ...cursor, languageId: 'systemtap' }), undefined);
  const bad = { uri: 'file:///k/x.c', function: 'f', line: 1.5 };
  assert.equal(probeParams('function', bad, undefined), undefined);
  assert.match(noTargetMessage('line'), /on the line/);
  assert.match(noTargetMessage('drops'), /inside the function/);
});

test('every probe command is contributed to package.json and the C editor context menu', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const menu = pkg.contributes.menus['editor/context'] as Array<{ command: string; when: string }>;
  for (const id of [...Object.values(PROBE_COMMANDS), ...Object.values(BPFTRACE_PROBE_COMMANDS), PROBE_FOR_HOST_COMMAND]) {
    assert.ok(commands.has(id), `${id} not in contributes.commands`);
    assert.ok(menu.some((m) => m.command === id && m.when === 'editorLangId == c'), `${id} not in the C editor context menu`);
  }
});
