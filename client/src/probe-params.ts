// What a probe command asks the server for, from a code lens's arguments or the editor's cursor.
// No `vscode` import, so it is tested with node --test.
import type { GenerateProbeParams, ProbeCommandArgs, ProbeMode } from '../../shared/protocol';
import { isCSource } from './kernel-source';

export interface CursorState {
  /** The active editor's document URI (a `.c` or `.h` file, whatever language id VS Code gave it). */
  uri: string;
  /** 0-based cursor line. */
  line: number;
}

export const PROBE_TITLES: Record<ProbeMode, string> = {
  function: 'SystemTap probe for this function',
  line: 'SystemTap probe for this line',
  drops: 'which drop site fires?',
  path: 'probe the receive path',
};

/**
 * Lens arguments name the function exactly; otherwise the cursor decides: the function around it,
 * or its line. Undefined when there is nothing to probe (no C source or header and no arguments).
 */
export function probeParams(mode: ProbeMode, args: ProbeCommandArgs | undefined, cursor: CursorState | undefined): GenerateProbeParams | undefined {
  if (args && typeof args.uri === 'string' && typeof args.function === 'string' && Number.isInteger(args.line)) {
    return { mode, uri: args.uri, function: args.function, line: args.line };
  }
  if (!cursor || !isCSource(cursor.uri)) return undefined;
  return { mode, uri: cursor.uri, line: cursor.line };
}

/** The message shown when a command has nothing to work on. */
export function noTargetMessage(mode: ProbeMode): string {
  return `netpath: open a C file or header of the kernel tree and put the cursor ${mode === 'line' ? 'on the line' : 'inside the function'} to probe.`;
}
