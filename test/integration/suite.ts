// Integration checks inside the VS Code extension host (run by test/integration/run.mjs through
// @vscode/test-electron; needs a downloadable or local VS Code, so not part of `npm test`).
// They mirror the end-to-end steps of test/e2e/vscode.test.ts through VS Code's own provider
// commands, on the tree the runner opens (NETPATH_TEST_KERNEL). The views and the counters
// webview (steps 3, 4, 6) have no provider command to read them back; only test/e2e/ covers them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const INDEX_READY_MS = 300_000;

function lineOf(root: string, rel: string, re: RegExp): number {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} not found in ${rel}`);
  return i + 1;
}

/** Workspace symbols named exactly `name`; the provider answers empty until the index is ready. */
async function symbols(name: string): Promise<vscode.SymbolInformation[]> {
  const all = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', name);
  return (all ?? []).filter((s) => s.name === name);
}

/** Waits for the index: bounded in time, asking the real provider once a second. */
async function waitForIndex(): Promise<void> {
  const deadline = Date.now() + INDEX_READY_MS;
  while (Date.now() < deadline) {
    if ((await symbols('tap_handle_frame')).length) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  assert.fail(`the netpath index was not ready within ${INDEX_READY_MS / 1000} s`);
}

const checks: Array<[string, (root: string) => Promise<void>]> = [
  ['1. workspace symbol tap_handle_frame, and go to definition from macvtap.c', async (root) => {
    const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
    const [sym] = await symbols('tap_handle_frame');
    assert.equal(path.relative(root, sym.location.uri.fsPath), 'drivers/net/tap.c');
    assert.equal(sym.location.range.start.line + 1, def);
    const use = lineOf(root, 'drivers/net/macvtap.c', /netdev_rx_handler_register\(dev, tap_handle_frame/);
    const text = fs.readFileSync(path.join(root, 'drivers/net/macvtap.c'), 'utf8').split('\n')[use - 1];
    const at = new vscode.Position(use - 1, text.indexOf('tap_handle_frame') + 1);
    const defs = await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>('vscode.executeDefinitionProvider', vscode.Uri.file(path.join(root, 'drivers/net/macvtap.c')), at);
    const lines = defs.map((d) => ('targetUri' in d ? [d.targetUri, d.targetRange] as const : [d.uri, d.range] as const))
      .map(([uri, range]) => `${path.relative(root, uri.fsPath)}:${range.start.line + 1}`);
    assert.ok(lines.includes(`drivers/net/tap.c:${def}`), `definitions: ${lines.join(', ')}`);
  }],
  ['2. "Probe N drop sites" lens above tap_handle_frame opens a systemtap editor with module("tap") and the goto drop lines', async (root) => {
    const def = lineOf(root, 'drivers/net/tap.c', /^rx_handler_result_t tap_handle_frame\(/);
    const text = fs.readFileSync(path.join(root, 'drivers/net/tap.c'), 'utf8').split('\n');
    const end = text.findIndex((l, i) => i >= def && l === '}');
    const gotoDrops = text.slice(def, end).flatMap((l, i) => (/\bgoto drop;/.test(l) ? [def + 1 + i] : []));
    const uri = vscode.Uri.file(path.join(root, 'drivers/net/tap.c'));
    await vscode.window.showTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
    const probe = lenses.find((l) => l.range.start.line === def - 1 && /^Probe \d+ drop sites?$/.test(l.command?.title ?? ''));
    assert.ok(probe?.command, `lenses on line ${def}: ${lenses.filter((l) => l.range.start.line === def - 1).map((l) => l.command?.title).join(', ')}`);
    await vscode.commands.executeCommand(probe.command.command, ...(probe.command.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.languageId, 'systemtap');
    const script = editor.document.getText();
    assert.match(script, /module\("tap"\)/);
    for (const line of gotoDrops) assert.ok(script.includes(`tap.c:${line} goto drop`), `no site tap.c:${line} goto drop`);
  }],
  ['5. call hierarchy: udp_rcv is called from ip_protocol_deliver_rcu through an indirect edge', async (root) => {
    const line = lineOf(root, 'net/ipv4/udp.c', /^int udp_rcv\(struct sk_buff \*skb\)/);
    const uri = vscode.Uri.file(path.join(root, 'net/ipv4/udp.c'));
    const items = await vscode.commands.executeCommand<vscode.CallHierarchyItem[]>('vscode.prepareCallHierarchy', uri, new vscode.Position(line - 1, 5));
    assert.equal(items[0]?.name, 'udp_rcv');
    const incoming = await vscode.commands.executeCommand<vscode.CallHierarchyIncomingCall[]>('vscode.provideIncomingCalls', items[0]);
    const caller = incoming.find((c) => c.from.name === 'ip_protocol_deliver_rcu');
    assert.ok(caller, `callers: ${incoming.map((c) => c.from.name).join(', ')}`);
    assert.match(caller.from.detail ?? '', /^(macro|field|registered|variable)\b/);
  }],
];

export async function run(): Promise<void> {
  const root = process.env.NETPATH_TEST_KERNEL;
  assert.ok(root, 'NETPATH_TEST_KERNEL is not set (run through test/integration/run.mjs)');
  const ext = vscode.extensions.getExtension('netpath.netpath');
  assert.ok(ext, 'the netpath extension is not loaded');
  await ext.activate();
  await waitForIndex();
  const failures: string[] = [];
  for (const [name, check] of checks) {
    try {
      await check(root);
      console.log(`ok - ${name}`);
    } catch (e) {
      console.log(`not ok - ${name}\n  ${(e as Error).message}`);
      failures.push(name);
    }
  }
  if (failures.length) throw new Error(`${failures.length} of ${checks.length} integration checks failed: ${failures.join('; ')}`);
}
