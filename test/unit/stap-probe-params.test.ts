// What the probe commands ask the server for: lens arguments win, else the cursor in a C source or
// header (by file name: VS Code gives `.h` the language id `cpp`).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { HOST_PROBE_CHOICES, noTargetMessage, probeParams } from '../../client/src/probe-params';
import { BPFTRACE_PROBE_COMMANDS, PROBE_COMMANDS, PROBE_FOR_HOST_COMMAND } from '../../shared/protocol';
import { isCSource, SOURCE_GLOB, SOURCE_WHEN, sourcePatterns } from '../../client/src/kernel-source';
import * as fs from 'node:fs';
import * as path from 'node:path';

const cursor = { uri: 'file:///k/net/ipv4/udp.c', line: 2170 };

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

test('a header is probed like a source file, whatever its language id', () => {
  const header = { uri: 'file:///k/include/net/dst.h', line: 466 };
  assert.deepEqual(probeParams('function', undefined, header), { mode: 'function', uri: header.uri, line: 466 });
});

test('nothing to probe without a C source or header, or with malformed lens arguments', () => {
  assert.equal(probeParams('function', undefined, undefined), undefined);
  assert.equal(probeParams('function', undefined, { ...cursor, uri: 'untitled:Untitled-1' }), undefined);
  assert.equal(probeParams('function', undefined, { ...cursor, uri: 'file:///tmp/probe.stp' }), undefined);
  const bad = { uri: 'file:///k/x.c', function: 'f', line: 1.5 };
  assert.equal(probeParams('function', bad, undefined), undefined);
  assert.match(noTargetMessage('line'), /on the line/);
  assert.match(noTargetMessage('drops'), /inside the function/);
});

test('C sources and headers are recognised by name, not by language id', () => {
  for (const yes of ['file:///k/net/core/dev.c', 'file:///k/include/net/dst.h', '/k/include/linux/skbuff.h']) assert.ok(isCSource(yes), yes);
  for (const no of ['file:///k/net/Makefile', 'file:///k/x.cc', 'file:///k/x.hpp', 'untitled:a.c', 'git:/k/net/core/dev.c', 'file:///k/x.stp']) assert.ok(!isCSource(no), no);
});

test('the client selects C sources and headers under each workspace folder, by pattern', () => {
  assert.deepEqual(sourcePatterns(['/k/linux-6.1', '/src/other/']), [`/k/linux-6.1/${SOURCE_GLOB}`, `/src/other/${SOURCE_GLOB}`]);
  assert.deepEqual(sourcePatterns([]), [SOURCE_GLOB]);
  // Glob syntax in a folder name cannot be escaped in VS Code globs: the bare pattern instead.
  assert.deepEqual(sourcePatterns(['/k/linux[6.1]']), [SOURCE_GLOB]);
});

test('every probe command is contributed to package.json and the C editor context menu', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const menu = pkg.contributes.menus['editor/context'] as Array<{ command: string; when: string }>;
  for (const id of [...Object.values(PROBE_COMMANDS), ...Object.values(BPFTRACE_PROBE_COMMANDS), PROBE_FOR_HOST_COMMAND]) {
    assert.ok(commands.has(id), `${id} not in contributes.commands`);
    assert.ok(menu.some((m) => m.command === id && m.when === SOURCE_WHEN), `${id} not in the C source and header context menu`);
  }
  // No editor menu may be gated on the language id: headers are `cpp` to VS Code.
  for (const m of menu) assert.equal(m.when, SOURCE_WHEN, `${m.command}: ${m.when}`);
});
