// `netpath trace [file|-]`: a pasted kernel stack trace laid onto the indexed tree: each frame's
// definition, the calls the compiler inlined between frames, pairs the graph cannot join, and the
// drop sites along the chain.
import * as fs from 'node:fs';
import type { KernelIndex } from '../engine/indexer';
import type { CallGraph } from '../engine/callgraph/graph';
import type { DropEngine } from '../engine/drops/engine';
import type { Analysis } from '../engine/analysis/snapshot';
import type { DropSite } from '../engine/drops/types';
import { parseTrace, type ParsedTrace } from '../engine/traces/parse-trace';
import { dropSitesAlong, mapStack, MAX_INFERRED_HOPS, type MappedStack } from '../engine/traces/map-trace';
import { UsageError, type ParsedArgs } from './args';

type Load = () => Promise<{ idx: KernelIndex; graph: CallGraph; analysis: Analysis }>;

export interface TraceReport {
  root: string;
  skippedLines: number;
  notes: string[];
  /** Frames found in the index, over all stacks. */
  mapped: number;
  stacks: Array<MappedStack & { dropSites: DropSite[] }>;
}

export async function runTrace(rest: string[], args: ParsedArgs, load: Load): Promise<number> {
  if (rest.length > 1) throw new UsageError('netpath trace takes one file (or - for standard input)');
  const source = rest[0] ?? '-';
  if (source === '-' && process.stdin.isTTY) throw new UsageError('netpath trace needs a file, or a trace on standard input (netpath trace - < oops.txt)');
  let text: string;
  try {
    text = source === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(source, 'utf8');
  } catch (e) {
    process.stderr.write(`netpath: cannot read ${source === '-' ? 'standard input' : source}: ${(e as Error).message}\n`);
    return 1;
  }
  const parsed = parseTrace(text);
  const frames = parsed.stacks.reduce((n, s) => n + s.length, 0);
  if (!frames) {
    process.stderr.write(`netpath: no stack frames found in ${source === '-' ? 'standard input' : source} (${parsed.skippedLines} lines skipped); paste a call trace, perf script, bpftrace or bcc stack\n`);
    return 1;
  }
  const { idx, graph, analysis } = await load();
  // The analysis's drop engine: the same one `netpath drops` uses, built once per index state.
  const report = await buildReport(parsed, graph, idx.root, await analysis.drops());
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(formatReport(report));
  if (!report.mapped) {
    process.stderr.write(`netpath: none of the ${frames} frames is a function of the index (${idx.root}, scope ${idx.scope.join(',')})\n`);
    return 1;
  }
  return 0;
}

export async function buildReport(parsed: ParsedTrace, graph: CallGraph, root: string, drops?: DropEngine): Promise<TraceReport> {
  const stacks: TraceReport['stacks'] = [];
  const seen = new Set<string>();
  for (const frames of parsed.stacks) {
    const mapped = mapStack(graph, frames);
    // A site shows once, under the first stack that reaches it (KASAN prints the same path twice).
    const sites = drops && mapped.mapped ? (await dropSitesAlong(mapped, (fn) => drops.sites(fn))).filter((s) => {
      const key = `${s.file}:${s.line}:${s.kind}`;
      return !seen.has(key) && !!seen.add(key);
    }) : [];
    stacks.push({ ...mapped, dropSites: sites });
  }
  return { root, skippedLines: parsed.skippedLines, notes: parsed.notes, mapped: stacks.reduce((n, s) => n + s.mapped, 0), stacks };
}

export function formatReport(r: TraceReport): string {
  const out: string[] = [];
  r.stacks.forEach((s, i) => {
    out.push(`stack ${i + 1} of ${r.stacks.length}: ${s.frames.length} frames, ${s.mapped} in the index (outermost first)`);
    const into = new Map(s.links.map((l) => [l.callee, l]));
    for (const f of s.frames) {
      const link = into.get(f.index);
      if (link?.status === 'interrupt') out.push('    -- interrupt or exception entry (no call) --');
      if (link?.status === 'unresolved') out.push(`    !! unresolved: ${s.frames[link.caller].fn} -> ${f.fn} (no call chain within ${MAX_INFERRED_HOPS} hops in the graph)`);
      if (link?.status === 'inferred') {
        for (const h of link.hops.slice(0, -1)) out.push(`      ~ ${h.callee}  inferred (inlined or tail call), called at ${h.file}:${h.line} ${kind(h)}`);
      }
      const name = `${f.unreliable ? '? ' : ''}${f.raw}${f.inlined ? ' [inline]' : ''}${f.module ? ` [${f.module}]` : ''}`;
      const where = f.defs.length ? f.defs.map((d) => `${d.file}:${d.line}`).join(', ') : f.unreliable ? '(unreliable frame: not chained)' : '(not in the index)';
      const last = link && (link.status === 'direct' || link.status === 'inferred') ? link.hops[link.hops.length - 1] : undefined;
      const call = last ? `  called at ${last.file}:${last.line} ${kind(last)}` : '';
      const traced = f.file ? `  [trace: ${f.file}:${f.line}]` : '';
      out.push(`  ${name.padEnd(34)} ${where}${call}${traced}`);
    }
    out.push('');
  });
  out.push(`skipped ${r.skippedLines} line${r.skippedLines === 1 ? '' : 's'} that are not frames`);
  for (const n of r.notes) out.push(`note: ${n}`);
  const unknown = [...new Set(r.stacks.flatMap((s) => s.unknown))];
  if (unknown.length) out.push(`not in the index (${unknown.length}): ${unknown.join(', ')}`);
  const sites = r.stacks.flatMap((s) => s.dropSites);
  if (sites.length) {
    out.push(`drop sites along the chain (${sites.length}):`);
    for (const d of sites) out.push(`  ${d.file}:${d.line}  ${d.function}  ${d.kind === 'goto' ? `goto ${d.label}` : `${d.kind} ${d.via ?? ''}`.trim()}${d.reason ? `  ${d.reason}` : ''}${d.counters.length ? `  counters: ${d.counters.join(', ')}` : ''}`);
  }
  return out.join('\n') + '\n';
}

function kind(h: { kind: string; candidates?: number }): string {
  return h.candidates ? `(${h.kind}, ${h.candidates} candidates)` : `(${h.kind})`;
}
