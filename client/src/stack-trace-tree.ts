// The "Stack trace" view's model: frames of a mapped trace in call order, the calls the compiler
// inlined between them marked as inferred, and pairs the graph cannot join flagged. Free of
// `vscode` so it is unit-tested with node --test; stack-trace-view.ts maps nodes to TreeItems.
import { callKindLabel, type MapStackTraceResult, type TraceFrameView, type TraceStackView } from '../../shared/protocol';

/** View and command ids; package.json contributes exactly these (test/unit/trace-parse.test.ts). */
export const STACK_TRACE_VIEW = 'netpath.stackTrace';
export const MAP_STACK_TRACE_COMMAND = 'netpath.mapStackTrace';

export type TraceNodeKind = 'stack' | 'frame' | 'inferred' | 'unresolved' | 'interrupt';

export interface TraceTreeNode {
  id: string;
  kind: TraceNodeKind;
  label: string;
  description: string;
  tooltip: string;
  /** Codicon id. */
  icon: string;
  /** What a click opens: the frame's definition, or an inferred hop's call site. */
  open?: { uri: string; line: number };
  children: TraceTreeNode[];
}

/** One root per stack when there are several; the frames themselves when there is one. */
export function buildTraceTree(result: Pick<MapStackTraceResult, 'stacks'>): TraceTreeNode[] {
  const stacks = result.stacks.map((s, i) => ({ s, rows: stackRows(s, `s${i}`) }));
  if (stacks.length === 1) return stacks[0].rows;
  return stacks.map(({ s, rows }, i) => ({
    id: `s${i}`, kind: 'stack' as const, label: `Stack ${i + 1}`, description: `${s.frames.length} frames, ${s.mapped} in the index`,
    tooltip: `${s.frames[s.frames.length - 1]?.raw ?? ''} ← … ← ${s.frames[0]?.raw ?? ''}`, icon: 'layers', children: rows,
  }));
}

function stackRows(s: TraceStackView, prefix: string): TraceTreeNode[] {
  const rows: TraceTreeNode[] = [];
  for (const f of s.frames) {
    const link = f.link;
    const prev = link ? lastReliableBefore(s, f.index) : undefined;
    const caller = prev !== undefined ? s.frames[prev].fn : '';
    if (link?.status === 'interrupt') {
      rows.push({ id: `${prefix}/${f.index}/irq`, kind: 'interrupt', label: 'interrupt or exception entry', description: 'no call', tooltip: 'A register dump separates these frames: the inner one was entered by an interrupt or exception, not called.', icon: 'zap', children: [] });
    }
    if (link?.status === 'unresolved') {
      rows.push({
        id: `${prefix}/${f.index}/unresolved`, kind: 'unresolved', label: `no call chain ${caller} → ${f.fn}`,
        description: 'unresolved', tooltip: 'The call graph has no chain of at most 4 calls between these frames: the tree differs from the traced kernel, or the call goes through a pointer netpath does not resolve.',
        icon: 'warning', children: [],
      });
    }
    if (link?.status === 'inferred') {
      link.hops.slice(0, -1).forEach((h, k) => rows.push({
        id: `${prefix}/${f.index}/hop${k}`, kind: 'inferred', label: h.callee, description: `inferred · ${h.file}:${h.line}`,
        tooltip: `Not in the trace: ${h.caller} calls ${h.callee} at ${h.file}:${h.line} (${callKindLabel(h.kind, h.candidates)}), inlined or a tail call`,
        icon: 'debug-step-into', open: { uri: h.uri, line: h.line }, children: [],
      }));
    }
    rows.push(frameNode(f, prefix));
  }
  return rows;
}

function frameNode(f: TraceFrameView, prefix: string): TraceTreeNode {
  const def = f.defs[0];
  const last = f.link && (f.link.status === 'direct' || f.link.status === 'inferred') ? f.link.hops[f.link.hops.length - 1] : undefined;
  const label = `${f.unreliable ? '? ' : ''}${f.raw}${f.inlined ? ' [inline]' : ''}${f.module ? ` [${f.module}]` : ''}`;
  const description = def ? `${def.file}:${def.line}${f.defs.length > 1 ? ` +${f.defs.length - 1}` : ''}` : f.unreliable ? 'unreliable' : 'not in the index';
  const tip = [
    `${f.raw}: line ${f.lineNo} of the trace${f.traceFile ? `, at ${f.traceFile}:${f.traceLine}` : ''}`,
    ...f.defs.map((d) => `defined at ${d.file}:${d.line}`),
    last ? `called at ${last.file}:${last.line} (${callKindLabel(last.kind, last.candidates)})` : '',
    f.unreliable ? 'A "?" frame: stale data on the stack, not chained to its neighbours.' : '',
  ].filter(Boolean).join('\n');
  return {
    id: `${prefix}/${f.index}`, kind: 'frame', label, description, tooltip: tip,
    icon: f.unreliable ? 'circle-slash' : def ? 'symbol-function' : 'question',
    ...(def ? { open: { uri: def.uri, line: def.line } } : {}), children: [],
  };
}

function lastReliableBefore(s: TraceStackView, index: number): number | undefined {
  for (let i = index - 1; i >= 0; i--) if (!s.frames[i].unreliable) return s.frames[i].index;
  return undefined;
}

/** The view's message: how much was found, or why nothing was. */
export function traceTreeMessage(r: Pick<MapStackTraceResult, 'stacks' | 'skippedLines' | 'mapped'>): string {
  const frames = r.stacks.reduce((n, s) => n + s.frames.length, 0);
  if (!frames) return `No stack frames found (${r.skippedLines} lines skipped). Paste an oops, WARNING, KASAN, perf script, bpftrace or bcc stack.`;
  if (!r.mapped) return `None of the ${frames} frames is a function of the index.`;
  const unresolved = r.stacks.reduce((n, s) => n + s.frames.filter((f) => f.link?.status === 'unresolved').length, 0);
  return `${r.mapped} of ${frames} frames mapped, outermost first${unresolved ? `; ${unresolved} unresolved` : ''}; ${r.skippedLines} lines skipped`;
}
