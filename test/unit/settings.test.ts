// Settings: package.json contributes exactly the settings shared/protocol.ts defines, with the
// same defaults, and the normaliser turns anything the editor sends into complete settings.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, normaliseScope, normaliseSettings, settingDefaults } from '../../shared/protocol';
import { CLIENT_ID, protocolTrace } from '../../client/src/protocol-trace';
import { MAX_DEFAULT_WORKERS } from '../../server/src/engine/pool';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const contributed: Record<string, { default: unknown; enum?: string[] }> = manifest.contributes.configuration.properties;

test('package.json contributes every setting of shared/protocol.ts with the same default', () => {
  const defaults = settingDefaults();
  assert.deepEqual(Object.keys(contributed).sort(), Object.keys(defaults).sort());
  for (const [key, value] of Object.entries(defaults)) assert.deepEqual(contributed[key].default, value, key);
  assert.deepEqual(contributed['netpath.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.deepEqual(contributed['netpath.probes.defaultTool'].enum, ['stap', 'bpftrace']);
});

test('the contributed defaults normalise to DEFAULT_SETTINGS', () => {
  const section = {
    scope: contributed['netpath.scope'].default, cacheDirectory: contributed['netpath.cacheDirectory'].default, workers: contributed['netpath.workers'].default,
    trace: { server: contributed['netpath.trace.server'].default }, probes: { defaultTool: contributed['netpath.probes.defaultTool'].default },
  };
  assert.deepEqual(normaliseSettings(section), DEFAULT_SETTINGS);
});

test('commands used by the client are contributed', () => {
  const commands = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  // Features add their own commands (their tests check them); these are the core ones, each contributed once.
  for (const c of ['netpath.reindex', 'netpath.showLog', 'netpath.showReceivePath', 'netpath.showReceivePathFromHere']) assert.ok(commands.includes(c), c);
  assert.equal(new Set(commands).size, commands.length);
});

test('missing or malformed sections fall back to the defaults', () => {
  assert.deepEqual(normaliseSettings(undefined), DEFAULT_SETTINGS);
  assert.deepEqual(normaliseSettings(null), DEFAULT_SETTINGS);
  assert.deepEqual(normaliseSettings('net'), DEFAULT_SETTINGS);
  assert.deepEqual(normaliseSettings({ scope: 42, cacheDirectory: 7, workers: -1, trace: { server: 'loud' }, probes: { defaultTool: 'dtrace' } }), DEFAULT_SETTINGS);
  assert.deepEqual(normaliseSettings({ probes: 'bpftrace' }), DEFAULT_SETTINGS);
  assert.equal(normaliseSettings({ workers: 2.5 }).workers, 0);
});

test('valid values are kept, the cache folder trimmed', () => {
  const s = normaliseSettings({ scope: ['net/ipv4'], cacheDirectory: ' /tmp/np ', workers: 3, trace: { server: 'verbose' }, probes: { defaultTool: 'bpftrace' } });
  assert.deepEqual(s, { scope: ['net/ipv4'], cacheDirectory: '/tmp/np', workers: 3, trace: { server: 'verbose' }, probes: { defaultTool: 'bpftrace' } });
});

test('flat "trace.server" and "probes.defaultTool" keys are understood too', () => {
  assert.equal(normaliseSettings({ 'trace.server': 'messages' }).trace.server, 'messages');
  assert.equal(normaliseSettings({ 'probes.defaultTool': 'bpftrace' }).probes.defaultTool, 'bpftrace');
});

test('scope accepts an array or a comma string, trims, drops empties and duplicates', () => {
  assert.deepEqual(normaliseScope('net, drivers/net ,include'), ['net', 'drivers/net', 'include']);
  assert.deepEqual(normaliseScope(['./net/', 'net', '', 'include/linux/']), ['net', 'include/linux']);
  assert.deepEqual(normaliseScope(['net', 3, 'include']), ['net', 'include']);
});

test('scope "all" (or ".") anywhere means the whole tree', () => {
  assert.deepEqual(normaliseScope('all'), ['all']);
  assert.deepEqual(normaliseScope(['net', 'all']), ['all']);
  assert.deepEqual(normaliseScope('.'), ['all']);
});

test('an empty scope falls back to the default rather than indexing nothing', () => {
  assert.deepEqual(normaliseScope([]), DEFAULT_SETTINGS.scope);
  assert.deepEqual(normaliseScope(' , '), DEFAULT_SETTINGS.scope);
});

test('netpath.trace.server turns on the client protocol trace only when verbose', () => {
  assert.equal(protocolTrace('off'), 'off');
  assert.equal(protocolTrace('messages'), 'off');
  assert.equal(protocolTrace('verbose'), 'verbose');
  // vscode-languageclient reads `<client id>.trace.server` by itself: the id must name no settings section.
  assert.ok(!Object.keys(contributed).some((k) => k.startsWith(`${CLIENT_ID}.`)), CLIENT_ID);
  assert.notEqual(CLIENT_ID, 'netpath');
});

test('the workers setting says where the default stops', () => {
  const text = (contributed['netpath.workers'] as unknown as { markdownDescription: string }).markdownDescription;
  assert.match(text, new RegExp(`at most ${MAX_DEFAULT_WORKERS}\\b`));
});

test('the extension activates in a kernel tree, never on any C file', () => {
  const events = manifest.activationEvents as string[];
  assert.ok(!events.some((e) => e.startsWith('onLanguage:')), events.join(', '));
  const contains = events.filter((e) => e.startsWith('workspaceContains:'));
  // One marker only a kernel tree has (a Kbuild file alone is any out-of-tree module).
  assert.deepEqual(contains, ['workspaceContains:net/core/dev.c']);
});
