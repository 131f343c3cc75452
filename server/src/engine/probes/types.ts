// Shapes of probe generation: what the generator is asked for and what it knows about a
// function. Pure data, shared by the CLI, the language server and the tests.
import type { ObjectInfo } from '../kbuild';
import type { HostFit } from './target';

/** A function of the indexed tree, with what decides its probe points. */
export interface ProbeFunction {
  name: string;
  /** Tree-relative path, forward slashes. */
  file: string;
  line: number;
  endLine: number;
  isStatic: boolean;
  isInline: boolean;
  /** Declared to return void: its return probe prints no value. */
  isVoid: boolean;
  /** Where Kbuild links the file; undefined for headers and files no makefile names. */
  object?: ObjectInfo;
  /** How the target host has it (target.ts), when generating for a host or a kallsyms copy. */
  host?: HostFit;
  /**
   * A header function as one hop of a path: the function (not in a header) whose object holds the
   * copy inlined on this path. Its points are looked up there only, not in every module.
   */
  inlinedInto?: Pick<ProbeFunction, 'name' | 'file' | 'object'>;
}

export type ProbeMode = 'function' | 'line' | 'drops' | 'path';

/** One place to count in a script: a label for the table and the probe points that hit it. */
export interface ProbeSite {
  /** Shown in the per-site table, e.g. "tap.c:349 goto drop". */
  label: string;
  points: string[];
  /** Comment written above the probe. */
  comment?: string;
}

/** A drop site handed to the drops mode (adapted from the drop-site engine). */
export interface DropSiteInput {
  function: string;
  file: string;
  line: number;
  kind: 'goto' | 'free' | 'counter';
  label?: string;
  labelLine?: number;
  /** goto: the line the label's statement starts on (the label's own line when they share it). */
  labelBodyLine?: number;
  reason?: string | null;
  counters?: string[];
  /** free: the freeing function; counter: how the counter is bumped. */
  via?: string;
  /** Calls followed from the site to its counters, e.g. ["tap->count_rx_dropped", "macvtap_count_rx_dropped"]. */
  through?: string[];
  /** goto: the guarding condition, the line it starts on and the first line of the goto's branch. */
  condition?: string;
  conditionLine?: number;
  branchLine?: number;
  /** goto: the variable carrying the reason to the label (`drop_reason`). */
  reasonVariable?: string;
  /** goto: code before the label also runs into it, so the label sees more than its gotos. */
  labelFallsInto?: boolean;
}

/** One call of a receive path (the call graph's Hop). */
export interface PathHopInput {
  caller: string;
  callee: string;
  file: string;
  line: number;
  kind: string;
}

export type ProbeFormat = 'stap' | 'bpftrace';

export interface GeneratedProbe {
  mode: ProbeMode;
  /** The script language: SystemTap, or bpftrace. */
  format: ProbeFormat;
  /** A short title, e.g. "entry and return of ip_rcv"; also names the untitled editor. */
  title: string;
  /** Suggested file name, e.g. "ip_rcv.stp". */
  fileName: string;
  text: string;
  /** Every probe point written, in order, for checks against /proc/kallsyms and tests. */
  points: string[];
}

/** Bad input to the generator: unknown function, line outside it, no path. Shown to the user as is. */
export class ProbeError extends Error {}
