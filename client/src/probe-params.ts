// What a probe command asks the server for, from a code lens's arguments or the editor's cursor.
// No `vscode` import, so it is tested with node --test.
import type { GenerateProbeParams, ProbeCommandArgs, ProbeMode, ProbeTool } from '../../shared/protocol';
import { isCSource } from './kernel-source';

export interface CursorState {
  /** The active editor's document URI (a `.c` or `.h` file, whatever language id VS Code gave it). */
  uri: string;
  /** 0-based cursor line. */
  line: number;
}

export const PROBE_TITLES: Record<ProbeMode, string> = {
  function: 'probe for this function',
  line: 'SystemTap probe for this line',
  drops: 'which drop site fires?',
  path: 'probe the receive path',
};

/** What a command asks beyond the mode: its tool (absent: the server's default tool) and a host to fit the script to. */
export interface ProbeOptions {
  tool?: ProbeTool;
  host?: string;
}

/** The choices of "netpath: Probe for host…" after the host: what to probe at the cursor. A line is SystemTap only. */
export const HOST_PROBE_CHOICES: ReadonlyArray<{ label: string; mode: ProbeMode; tool?: ProbeTool }> = [
  { label: 'Entry and return of the function at the cursor', mode: 'function' },
  { label: 'Which drop site of the function fires?', mode: 'drops' },
  { label: 'The receive path from the function', mode: 'path' },
  { label: 'This line (SystemTap)', mode: 'line', tool: 'stap' },
];

/**
 * Lens arguments name the function exactly; otherwise the cursor decides: the function around it,
 * or its line. Undefined when there is nothing to probe (no C source or header and no arguments).
 */
export function probeParams(mode: ProbeMode, args: ProbeCommandArgs | undefined, cursor: CursorState | undefined, options: ProbeOptions = {}): GenerateProbeParams | undefined {
  const extra = { ...(options.tool ? { tool: options.tool } : {}), ...(options.host ? { host: options.host } : {}) };
  if (args && typeof args.uri === 'string' && typeof args.function === 'string' && Number.isInteger(args.line)) {
    return { mode, uri: args.uri, function: args.function, line: args.line, ...extra };
  }
  if (!cursor || !isCSource(cursor.uri)) return undefined;
  return { mode, uri: cursor.uri, line: cursor.line, ...extra };
}

/** The message shown when a command has nothing to work on. */
export function noTargetMessage(mode: ProbeMode): string {
  return `netpath: open a C file or header of the kernel tree and put the cursor ${mode === 'line' ? 'on the line' : 'inside the function'} to probe.`;
}
