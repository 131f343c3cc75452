// Levelled logging to the client's output channel. `netpath.trace.server` picks how much:
// off = errors and warnings, messages = + info, verbose = + debug.
import type { Connection } from 'vscode-languageserver/node';
import type { LogLevel } from '../engine/indexer';
import type { TraceLevel } from '../../../shared/protocol';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LIMIT: Record<TraceLevel, number> = { off: 1, messages: 2, verbose: 3 };

export class Logger {
  private limit = LIMIT.off;

  constructor(private readonly connection: Connection) {}

  setTrace(level: TraceLevel): void {
    this.limit = LIMIT[level];
  }

  log(level: LogLevel, message: string): void {
    if (RANK[level] > this.limit) return;
    const console = this.connection.console;
    if (level === 'error') console.error(message);
    else if (level === 'warn') console.warn(message);
    else if (level === 'info') console.info(message);
    else console.log(message);
  }

  error(message: string): void { this.log('error', message); }
  warn(message: string): void { this.log('warn', message); }
  info(message: string): void { this.log('info', message); }
  debug(message: string): void { this.log('debug', message); }
}
