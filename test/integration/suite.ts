// Integration checks inside the VS Code extension host (run by test/integration/run.mjs through
// @vscode/test-electron; needs a downloadable or local VS Code, so not part of `npm test`).
// They mirror the end-to-end steps of test/e2e/vscode.test.ts through VS Code's own provider
// commands, on the tree the runner opens (NETPATH_TEST_KERNEL).
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
