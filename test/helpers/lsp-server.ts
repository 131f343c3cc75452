// Runs the built language server (dist/server.js --stdio) and talks LSP to it over vscode-jsonrpc,
// recording what it pushes (progress, messages, readiness) so tests wait on events, never on time.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { IndexReadyNotification, type IndexSummary } from '../../shared/protocol';

const repoRoot = path.resolve(__dirname, '../..');

export interface Pushed {
  method: string;
  params: unknown;
}

export class LspServer {
  /** Every notification and server→client request, in arrival order. */
  readonly pushed: Pushed[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<{ match: (p: Pushed) => boolean; resolve: (p: Pushed) => void }> = [];

  private constructor(readonly connection: MessageConnection, private readonly child: ChildProcess) {}

  /** Starts the server on `folder` and completes the initialize handshake. */
  static async start(folder: string, initializationOptions: unknown): Promise<LspServer> {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist/server.js'), '--stdio'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const server = new LspServer(connection, child);
    child.stderr!.on('data', (d: Buffer) => server.stderr.push(d.toString()));
    connection.onNotification((method, params) => server.record({ method, params }));
    connection.onRequest('window/workDoneProgress/create', (params) => {
      server.record({ method: 'window/workDoneProgress/create', params });
      return null;
    });
    connection.onUnhandledProgress((p) => server.record({ method: '$/progress', params: p }));
    connection.listen();
    const uri = pathToFileURL(folder).toString();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: path.basename(folder) }],
      capabilities: { window: { workDoneProgress: true, showMessage: {} }, workspace: { workspaceFolders: true } },
      initializationOptions,
    });
    await connection.sendNotification('initialized', {});
    return server;
  }

  /** Resolves with the first pushed message from index `from` on (received or future) that matches. */
  waitFor(match: (p: Pushed) => boolean, from = 0): Promise<Pushed> {
    const seen = this.pushed.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  async ready(): Promise<IndexSummary> {
    const p = await this.waitFor((m) => m.method === IndexReadyNotification.method);
    return p.params as IndexSummary;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polite shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await exited;
    this.connection.dispose();
    return code;
  }

  private record(p: Pushed): void {
    this.pushed.push(p);
    const hit = this.waiters.filter((w) => w.match(p));
    this.waiters = this.waiters.filter((w) => !hit.includes(w));
    for (const w of hit) w.resolve(p);
  }
}
