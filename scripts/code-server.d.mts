// Types for scripts/code-server.mjs, used by the end-to-end test helpers.
import type { ChildProcess } from 'node:child_process';

export const CODE_SERVER_VERSION: string;
export function codeServerCacheDir(): string;
export function ensureCodeServer(log?: (line: string) => void): string;
export function freePort(): Promise<number>;
export function installVsix(entry: string, vsix: string, userDataDir: string, extensionsDir: string): string;
export function writeUserSettings(userDataDir: string, extra?: Record<string, unknown>): void;
export interface CodeServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}
export function launchCodeServer(options: {
  entry: string;
  folder: string;
  userDataDir: string;
  extensionsDir: string;
  port: number;
  host?: string;
  logFile?: string;
  env?: Record<string, string>;
  /** Ask for this password on the login page (default: no authentication). */
  password?: string;
}): Promise<CodeServer>;
