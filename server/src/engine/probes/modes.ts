// The four probe modes. Each turns functions, lines, drop sites or call-graph hops into counted
// sites and hands them to writeStapScript.
import { functionPoints, labelPoints, statementPoints } from './points';
import { writeStapScript, type ReasonTable, type ScriptSpec } from './stap-script';
import { ProbeError, type DropSiteInput, type GeneratedProbe, type PathHopInput, type ProbeFunction, type ProbeSite } from './types';

/** Seconds between per-site tables in the modes that narrow something down. */
export const TABLE_EVERY_S = 5;

export interface ModeContext {
  /** Kernel version of the tree, e.g. "6.1.192", for the header. */
  version?: string;
  /** Header notes on the probed functions, e.g. which ones the target's /proc/kallsyms lacks. */
  check?: (functions: ProbeFunction[]) => string[];
}

function base(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** Where the probe points look for the function, in words. */
export function objectText(fn: ProbeFunction): string {
  if (fn.file.endsWith('.h')) return 'a header function: it may be inlined into the kernel and into any module';
  const o = fn.object;
  if (!o) return 'not named by any Kbuild makefile: probed in the kernel';
  if (o.kind === 'builtin') return `built into the kernel (${o.makefile})`;
  if (o.kind === 'module') return `in module ${o.module} (${o.makefile})`;
  return `in module ${o.module}, or built in (${o.config ?? 'obj-$(CONFIG_...)'} in ${o.makefile})`;
}

function describe(fn: ProbeFunction): string {
  const kind = fn.isInline ? 'inline function' : fn.isStatic ? 'static function' : 'function';
  return `${fn.name}, ${kind.startsWith('i') ? 'an' : 'a'} ${kind} at ${fn.file}:${fn.line}, ${objectText(fn)}.`;
}

function headerOf(ctx: ModeContext, title: string, lines: string[], probed: ProbeFunction[]): string[] {
  const notes = ctx.check?.(probed) ?? [];
  return [`netpath: ${title}`, `Generated from the indexed Linux ${ctx.version ?? '(unknown version)'} tree.`, '', ...lines, ...(notes.length ? ['', ...notes] : [])];
}

function entrySite(fn: ProbeFunction, label = `entry ${fn.name}`): ProbeSite {
  const comment = fn.isInline
    ? `Entry of ${fn.name}: .inline matches each copy inlined into a caller.`
    : fn.isStatic
      ? `Entry of ${fn.name}: the plain form also matches copies GCC inlined; .isra/.constprop are its clones.`
      : `Entry of ${fn.name}: .call matches the out-of-line function only.`;
  return { label, points: functionPoints(fn, 'entry')!, comment };
}

function generated(mode: GeneratedProbe['mode'], title: string, fileName: string, spec: ScriptSpec): GeneratedProbe {
  return { mode, title, fileName, text: writeStapScript(spec), points: spec.sites.flatMap((s) => s.points) };
}

/** Entry and return of a function (entry only when inline). */
export function functionProbe(ctx: ModeContext, fn: ProbeFunction): GeneratedProbe {
  const sites: ScriptSpec['sites'] = [entrySite(fn)];
  const ret = functionPoints(fn, 'return');
  if (ret) {
    sites.push({
      label: `return ${fn.name}`, points: ret,
      comment: `Return of ${fn.name}${fn.isVoid ? ' (void)' : '; $$return is the value it returns'}.`,
      ...(fn.isVoid ? {} : { value: '$$return' }),
    });
  }
  const title = `entry${ret ? ' and return' : ''} of ${fn.name}`;
  const notes = fn.isInline ? ['It is inline, so it is probed where it was inlined, and has no return probe.'] : [];
  return generated('function', title, `${fn.name}.stp`, { header: headerOf(ctx, title, [describe(fn), ...notes], [fn]), sites });
}

/** A statement probe on one line of a function, with the function's entry for comparison. */
export function lineProbe(ctx: ModeContext, fn: ProbeFunction, line: number): GeneratedProbe {
  if (!Number.isInteger(line) || line < fn.line || line > fn.endLine) {
    throw new ProbeError(`line ${line} is not in ${fn.name} (${fn.file}:${fn.line}-${fn.endLine})`);
  }
  const title = `${base(fn.file)}:${line} in ${fn.name}`;
  const sites: ScriptSpec['sites'] = [
    { label: `${base(fn.file)}:${line}`, points: statementPoints(fn, line), comment: `The statement at ${fn.file}:${line}. A line without code of its own is rejected by stap at pass 2: pick the next line.` },
    entrySite(fn),
  ];
  return generated('line', title, `${fn.name}-${line}.stp`, { header: headerOf(ctx, title, [describe(fn), 'Compare the line\'s hits with the entries of its function.'], [fn]), sites });
}

/** One probe per hop of a call chain: the callee's entry, so the table shows where packets stop. */
export function pathProbe(ctx: ModeContext, first: ProbeFunction, hops: Array<{ hop: PathHopInput; callee: ProbeFunction }>): GeneratedProbe {
  if (!hops.length) throw new ProbeError(`no call chain from ${first.name}`);
  const last = hops[hops.length - 1].hop.callee;
  const title = `receive path ${first.name} -> ${last}`;
  const sites: ScriptSpec['sites'] = [entrySite(first, `0. ${first.name}`)];
  hops.forEach(({ hop, callee }, i) => {
    sites.push({
      ...entrySite(callee, `${i + 1}. ${hop.caller} -> ${hop.callee}`),
      comment: `Hop ${i + 1}: ${hop.caller} calls ${hop.callee} at ${hop.file}:${hop.line} (${hop.kind}); counted at ${callee.name}'s entry, ${objectText(callee)}.`,
    });
  });
  const lines = [
    `${hops.length} hops from the call graph. Each hop is counted at its callee's entry, from any caller:`,
    'the first hop whose count falls behind the one before is where packets leave this path.',
  ];
  return generated('path', title, `path-${first.name}-${last}.stp`, { header: headerOf(ctx, title, lines, [first, ...hops.map((h) => h.callee)]), sites, everySeconds: TABLE_EVERY_S });
}

/**
 * "Which drop site fires?": a statement probe per drop site (the goto line, the free, the
 * counter increment), a .label probe per drop label, the function's entry and, where the
 * tree has drop reasons, kfree_skb counted by reason and by the function that freed.
 */
export function dropsProbe(ctx: ModeContext, fn: ProbeFunction, sites: DropSiteInput[], reasons: ReasonTable | undefined, counterFunctions: ProbeFunction[] = []): GeneratedProbe {
  const mine = sites.filter((s) => s.function === fn.name && s.file === fn.file).sort((a, b) => a.line - b.line);
  if (!mine.length) throw new ProbeError(`no drop sites in ${fn.name} (${fn.file}:${fn.line})`);
  const spec: ScriptSpec['sites'] = [entrySite(fn)];
  const labels = new Map<string, number | undefined>();
  for (const s of mine) {
    const why = [s.reason ? `reason ${s.reason}` : '', s.counters?.length ? `counts ${s.counters.join(', ')}` : ''].filter(Boolean).join('; ');
    const what = s.kind === 'goto' ? `goto ${s.label ?? '?'}` : s.kind;
    spec.push({
      label: `${base(s.file)}:${s.line} ${what}`,
      points: statementPoints(fn, s.line),
      comment: `Drop site (${s.kind}) at ${s.file}:${s.line}${s.label ? `, to label ${s.label}${s.labelLine ? ` at line ${s.labelLine}` : ''}` : ''}${why ? `: ${why}` : ''}.`,
    });
    if (s.kind === 'goto' && s.label && !labels.has(s.label)) labels.set(s.label, s.labelLine);
  }
  for (const [label, line] of labels) {
    spec.push({
      label: `label ${label}${line ? ` (${base(fn.file)}:${line})` : ''}`,
      points: labelPoints(fn, label),
      comment: `Every arrival at ${label}:, from any goto or by falling through.`,
    });
  }
  for (const c of counterFunctions) {
    spec.push({ ...entrySite(c, `counter ${c.name}`), comment: `The counter function the drop path calls: ${describe(c)}` });
  }
  const title = `which drop site fires in ${fn.name}?`;
  const lines = [
    describe(fn),
    `${mine.length} drop site${mine.length === 1 ? '' : 's'}. The sites whose hits rise with the drop counter are the ones that fire.`,
    ...(reasons ? [`kfree_skb is also counted by drop reason (enum skb_drop_reason, ${reasons.file}).`] : []),
  ];
  return generated('drops', title, `drops-${fn.name}.stp`, { header: headerOf(ctx, title, lines, [fn, ...counterFunctions]), sites: spec, reasons, everySeconds: TABLE_EVERY_S });
}
