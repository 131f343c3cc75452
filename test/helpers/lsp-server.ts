// Runs the built language server (dist/server.js --stdio) and talks LSP to it over vscode-jsonrpc,
// recording what it pushes (progress, messages, readiness) so tests wait on events, never on time.
// Every wait is bounded, and every wait fails at once, with the server's stderr, when it exits:
// no test can hang on a dead or stuck server.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { IndexReadyNotification, type IndexSummary } from '../../shared/protocol';

const repoRoot = path.resolve(__dirname, '../..');
/** Longest answer to one request: the first may wait for a cold index of a tree and a graph build on a busy machine. */
export const REQUEST_TIMEOUT_MS = 8 * 60_000;
/** Longest wait for a pushed message (readiness after a cold index). */
export const PUSH_TIMEOUT_MS = 10 * 60_000;
/** Longest polite shutdown before the server is killed (and the test fails). */
const STOP_TIMEOUT_MS = 30_000;

export interface Pushed {
  method: string;
  params: unknown;
}

export class LspServer {
  /** Every notification and server→client request, in arrival order. */
  readonly pushed: Pushed[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<{ match: (p: Pushed) => boolean; resolve: (p: Pushed) => void }> = [];
  /** Rejects when the server process exits (the reason names the exit code and stderr). */
  private readonly exited: Promise<never>;
  private stopping = false;
  /** The connection, with every sendRequest bounded by REQUEST_TIMEOUT_MS and by the server's life. */
  readonly connection: MessageConnection;

  private constructor(raw: MessageConnection, private readonly child: ChildProcess) {
    this.exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        const why = new Error(`the language server exited (code ${code}${signal ? `, signal ${signal}` : ''})${this.stopping ? ' during shutdown' : ''}; stderr: ${this.stderr.join('').slice(-4000)}`);
        reject(why);
      });
    });
    this.exited.catch(() => undefined); // observed by each wait, not here
    this.connection = new Proxy(raw, {
      get: (target, prop) => {
        if (prop === 'sendRequest') {
          return (...args: unknown[]) => {
            const method = typeof args[0] === 'string' ? args[0] : (args[0] as { method?: string })?.method ?? '?';
            let sent: Promise<unknown>;
            try {
              sent = (target.sendRequest as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (e) {
              sent = Promise.reject(e as Error); // a closed connection throws at once: fail as a promise, like every other failure
            }
            return this.bounded(sent, `request ${method}`, REQUEST_TIMEOUT_MS);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** `work`, failing after `ms` or as soon as the server exits, whichever comes first. */
  bounded<T>(work: Promise<T>, what: string, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from the language server in ${ms / 1000} s; stderr: ${this.stderr.join('').slice(-4000)}`)), ms);
    });
    return Promise.race([work, late, this.exited]).finally(() => clearTimeout(timer));
  }

  /** Starts the server on `folder` and completes the initialize handshake. */
  static async start(folder: string, initializationOptions: unknown): Promise<LspServer> {
    const script = path.join(repoRoot, 'dist/server.js');
    if (!fs.existsSync(script)) throw new Error(`prerequisite missing: ${script}; run "npm run build"`);
    // NETPATH_TEST_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server of a test.
    const nodeArgs = (process.env.NETPATH_TEST_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, script, '--stdio'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
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
    await server.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: path.basename(folder) }],
      capabilities: { window: { workDoneProgress: true, showMessage: {} }, workspace: { workspaceFolders: true } },
      initializationOptions,
    });
    await connection.sendNotification('initialized', {});
    return server;
  }

  /** Resolves with the first pushed message from index `from` on (received or future) that matches; bounded. */
  waitFor(match: (p: Pushed) => boolean, from = 0, timeoutMs = PUSH_TIMEOUT_MS): Promise<Pushed> {
    const seen = this.pushed.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    let waiter: { match: (p: Pushed) => boolean; resolve: (p: Pushed) => void } | undefined;
    const pushed = new Promise<Pushed>((resolve) => this.waiters.push((waiter = { match, resolve })));
    return this.bounded(pushed, 'waiting for a pushed message', timeoutMs).finally(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    });
  }

  async ready(): Promise<IndexSummary> {
    const p = await this.waitFor((m) => m.method === IndexReadyNotification.method);
    return p.params as IndexSummary;
  }

  /** The server's process id (a test may kill it to check how a dead server is reported). */
  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polite shutdown; resolves with the exit code. A server that does not stop in time is killed, and this rejects. */
  async stop(): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    this.stopping = true;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await this.connection.sendRequest('shutdown');
          await this.connection.sendNotification('exit');
          return exited;
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            this.child.kill('SIGKILL');
            reject(new Error(`the language server did not stop within ${STOP_TIMEOUT_MS / 1000} s; killed. stderr: ${this.stderr.join('').slice(-4000)}`));
          }, STOP_TIMEOUT_MS);
        }),
      ]);
      return await exited;
    } finally {
      clearTimeout(timer);
      this.connection.dispose();
    }
  }

  private record(p: Pushed): void {
    this.pushed.push(p);
    const hit = this.waiters.filter((w) => w.match(p));
    this.waiters = this.waiters.filter((w) => !hit.includes(w));
    for (const w of hit) w.resolve(p);
  }
}
