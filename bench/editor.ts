// `npm run bench -- editor <kernel-dir> [--cache C] [--rounds N] [--json]`: is the language server
// responsive while its call graph is built? The server (dist/server.js over stdio, as an editor
// starts it) opens the index; then, per round, an unsaved edit makes a new index version whose
// graph must be built (new text every round, so no saved graph matches), a call hierarchy
// request asks for that graph, and go-to-definition requests are sent back to back until it is
// there. Recorded: the worst definition latency (goal ≤ 200 ms), the worst event-loop stall the
// server saw meanwhile (goal ≤ 50 ms, netpath/serverHealth) with what it was doing, and the same
// for the open itself. Anchor from the same run: a definition with nothing else going on.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { checkKernelTree } from '../server/src/engine/kernel-tree';
import { ServerHealthRequest, type ServerHealth } from '../shared/protocol';
import { median } from './measure';

export const EDITOR_GOALS = { definitionMs: 200, stallMs: 50 };
const READY_TIMEOUT_MS = 15 * 60_000;
const GRAPH_TIMEOUT_MS = 10 * 60_000;
/** A use of tap_handle_frame in macvtap.c: its definition is in tap.c (the index answers it). */
const FILE = 'drivers/net/macvtap.c';
const USE = /netdev_rx_handler_register\(dev, tap_handle_frame/;

export interface EditorRound { definitions: number; worstDefinitionMs: number; medianDefinitionMs: number; graphSeconds: number; health: ServerHealth }
export interface EditorBench { anchorDefinitionMs: number; open: ServerHealth; rounds: EditorRound[] }

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

export async function measureEditor(serverJs: string, root: string, cacheRoot: string | undefined, rounds: number, say: (s: string) => void): Promise<EditorBench> {
  // NETPATH_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server to find a stall's code.
  const nodeArgs = (process.env.NETPATH_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`the server exited with code ${code}`))));
  exited.catch(() => undefined);
  const c: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  child.stderr!.resume();
  c.listen();
  const ask = <R>(p: Promise<R>, ms: number, what: string) => Promise.race([bounded(p, ms, what), exited]);
  try {
    let ready: () => void = () => undefined;
    const readyP = new Promise<void>((resolve) => (ready = resolve));
    c.onNotification('netpath/indexReady', () => ready());
    c.onRequest('window/workDoneProgress/create', () => null);
    c.onRequest('workspace/configuration', () => []);
    c.onNotification(() => undefined);
    await ask(c.sendRequest('initialize', {
      processId: process.pid, rootUri: pathToFileURL(root).toString(), capabilities: { window: { workDoneProgress: true } },
      workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: path.basename(root) }],
      initializationOptions: cacheRoot ? { cacheDirectory: cacheRoot } : {},
    }), 60_000, 'initialize');
    await c.sendNotification('initialized', {});
    await ask(readyP, READY_TIMEOUT_MS, 'index ready');
    const uri = pathToFileURL(path.join(root, FILE)).toString();
    const text = fs.readFileSync(path.join(root, FILE), 'utf8');
    const lines = text.split('\n');
    const line = lines.findIndex((l) => USE.test(l));
    if (line < 0) throw new Error(`${FILE} has no ${USE}: not a tree this benchmark knows`);
    const character = lines[line].indexOf('tap_handle_frame') + 2;
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
    const definition = async (at: number) => {
      const t0 = performance.now();
      const defs = await ask(c.sendRequest<Array<{ uri: string }>>('textDocument/definition', { textDocument: { uri }, position: { line: at, character } }), 60_000, 'definition');
      if (!defs?.[0]?.uri.endsWith('/drivers/net/tap.c')) throw new Error(`definition of tap_handle_frame: ${JSON.stringify(defs)}`);
      return performance.now() - t0;
    };
    await definition(line); // the symbol table is there
    const open = await ask(c.sendRequest(ServerHealthRequest, { reset: true }), 60_000, 'serverHealth');
    say(`open: worst stall ${open.eventLoop.maxMs} ms${open.stalls.length ? ` (${open.stalls.slice(-3).map((s) => `${s.ms} ms during ${s.during}`).join('; ')})` : ''}`);
    const anchor: number[] = [];
    for (let i = 0; i < 20; i++) anchor.push(await definition(line));
    const out: EditorBench = { anchorDefinitionMs: median(anchor), open, rounds: [] };
    for (let r = 0; r < rounds; r++) {
      const inserted = `static int netpath_bench_${process.pid}_${Date.now()}_${r}(void) { return ${r}; }\n`;
      await c.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 + r }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: inserted }] });
      const at = line + r + 1;
      await definition(at); // the edit is applied before the measuring starts
      await ask(c.sendRequest(ServerHealthRequest, { reset: true }), 60_000, 'serverHealth');
      const t0 = performance.now();
      let done = false;
      const graph = ask(c.sendRequest('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: { line: at, character } }), GRAPH_TIMEOUT_MS, 'call hierarchy').finally(() => (done = true));
      const times: number[] = [];
      while (!done) {
        times.push(await definition(at));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await graph;
      const graphSeconds = (performance.now() - t0) / 1000;
      const health = await ask(c.sendRequest(ServerHealthRequest, { reset: true }), 60_000, 'serverHealth');
      const round: EditorRound = { definitions: times.length, worstDefinitionMs: Math.max(...times), medianDefinitionMs: median(times), graphSeconds, health };
      say(`round ${r + 1}: graph in ${graphSeconds.toFixed(1)} s; ${times.length} definitions, worst ${round.worstDefinitionMs.toFixed(0)} ms, median ${round.medianDefinitionMs.toFixed(1)} ms; worst stall ${health.eventLoop.maxMs} ms${health.stalls.length ? ` (${health.stalls.slice(-3).map((s) => `${s.ms} ms during ${s.during}`).join('; ')})` : ''}; server RSS ${health.rssMB} MB`);
      out.rounds.push(round);
    }
    await c.sendNotification('textDocument/didClose', { textDocument: { uri } });
    return out;
  } finally {
    try {
      await bounded(c.sendRequest('shutdown'), 10_000, 'shutdown');
      await c.sendNotification('exit');
    } catch {
      // killed below
    }
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    c.dispose();
  }
}

export async function runEditorBench(argv: string[], serverJs: string): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'strict'], options: ['cache', 'rounds'] });
  const dir = args.positional[0];
  if (!dir) throw new UsageError('give the kernel tree: npm run bench -- editor <kernel-dir> [--cache C] [--rounds N] [--json] [--strict]');
  const root = checkKernelTree(path.resolve(dir));
  const rounds = Number(args.options.get('rounds') ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError('--rounds must be a positive integer');
  const json = args.flags.has('json');
  const say = (s: string) => process.stderr.write(`bench editor: ${s}\n`);
  const r = await measureEditor(serverJs, root, args.options.get('cache'), rounds, say);
  const worstDef = Math.max(...r.rounds.map((x) => x.worstDefinitionMs));
  const worstStall = Math.max(...r.rounds.map((x) => x.health.eventLoop.maxMs));
  const goals = [
    { name: 'definition while the graph builds', limit: EDITOR_GOALS.definitionMs, value: Math.round(worstDef), unit: 'ms' },
    { name: 'event-loop stall while the graph builds', limit: EDITOR_GOALS.stallMs, value: worstStall, unit: 'ms' },
  ].map((g) => ({ ...g, pass: g.value <= g.limit }));
  if (json) process.stdout.write(JSON.stringify({ ...r, goals }) + '\n');
  else {
    process.stdout.write(`anchor: a definition with nothing else running, median ${r.anchorDefinitionMs.toFixed(1)} ms\n`);
    process.stdout.write(`open: worst event-loop stall ${r.open.eventLoop.maxMs} ms\n`);
    for (const g of goals) process.stdout.write(`${g.pass ? 'PASS' : 'MISS'} ${g.name}: ${g.value} ${g.unit} (goal ≤ ${g.limit} ${g.unit}; ${(g.value / r.anchorDefinitionMs).toFixed(0)}× the anchor)\n`);
  }
  return args.flags.has('strict') && goals.some((g) => !g.pass) ? 3 : 0;
}
