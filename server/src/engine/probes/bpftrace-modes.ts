// The function, path and drops modes for bpftrace. bpftrace attaches to symbols, not lines: a
// function is a kprobe on its symbol (an inline one has none), and "which drop site fires" is
// the kfree_skb tracepoint by reason and freeing function, plus kprobes on the counter functions
// the drop path calls. What the host cannot attach is left out, and the header says so.
import { writeBpftraceScript, type BtProbe, type BtSpec } from './bpftrace-script';
import type { TraceFacts } from './host-facts';
import { base, describe, headerOf, TABLE_EVERY_S, type ModeContext } from './modes';
import type { ReasonTable } from './stap-script';
import { ProbeError, type DropSiteInput, type GeneratedProbe, type PathHopInput, type ProbeFunction } from './types';

export interface BtContext extends ModeContext {
  /** The target's tracefs facts: whether kprobes attach, its drop-reason names. */
  host: TraceFacts;
  /**
   * This machine's facts when the script is for a generic target (no host named): scripts are
   * often generated on one machine and run on another, so what this machine lacks is said in the
   * header and never leaves a probe out; a host that was named decides through `host` instead.
   */
  here?: TraceFacts;
  /** Whether the function has drop sites: a kprobe-less target's refusal then offers its --drops script. */
  hasDropSites?: boolean;
  /** Function mode: the callers of a function the target inlined away (from the call graph), counted in its place. */
  callers?: ProbeFunction[];
}

/** Kprobes for a function, or why there are none. */
function kprobes(ctx: BtContext, fn: ProbeFunction, label: string, withReturn: boolean): { probes: BtProbe[]; note?: string } {
  if (ctx.host.kprobes === false) return { probes: [], note: `${fn.name}: left out: ${ctx.host.source} has no kprobe_events, so kprobes cannot be attached there (CONFIG_KPROBE_EVENTS).` };
  if (fn.isInline) return { probes: [], note: `${fn.name}: left out: it is inline, so it has no symbol for a kprobe (probe its callers).` };
  if (fn.host?.inlinedAway) return { probes: [], note: `${fn.name}: left out: the target has no symbol for it (GCC inlined it into its callers), so no kprobe can attach.` };
  // The target's real symbols: a kprobe on the plain name fails when GCC left only a clone (f.isra.0).
  const names = fn.host?.kprobeNames ?? [fn.name];
  const real = names.some((n) => n !== fn.name) ? ` (as ${names.join(', ')} on the target)` : '';
  const probes: BtProbe[] = names.map((n) => ({ point: `kprobe:${n}`, label, comment: `Entry of ${fn.name} (${fn.file}:${fn.line})${real}.` }));
  if (withReturn) probes.push(...names.map((n) => ({ point: `kretprobe:${n}`, label: `return ${fn.name}`, comment: `Return of ${fn.name}${real}.`, ...(fn.isVoid ? {} : { retval: true }) })));
  return { probes };
}

function hostLines(ctx: BtContext, any: boolean): string[] {
  if (!any) return [];
  if (ctx.host.kprobes === undefined) return [`Not known whether the target can attach kprobes (${ctx.host.source}); bpftrace says so when it cannot.`];
  return [];
}

/** The facts of a target nobody named: nothing is known, so nothing is left out. */
export const GENERIC_TARGET: TraceFacts = { source: 'a generic target: no --host, so not checked' };

/**
 * What stands in for kprobes where only tracepoints attach: the kfree_skb tracepoint, by reason
 * and location. `host`: the --host of the commands offered; undefined: the host the user named.
 */
function standIn(fn: string | undefined, hasDropSites: boolean | undefined, host: string | undefined): string {
  const h = host ? ` --host ${host}` : '';
  const same = host ? '' : ' (with the same --host)';
  const drops = fn && hasDropSites ? `\`netpath probe ${fn} --drops --format bpftrace${h}\`${same} counts ${fn}'s drops through tracepoint:skb:kfree_skb by reason and location; ` : '';
  return `tracepoints need no kprobes: ${drops}\`netpath drops --live${h}\`${same} counts every drop (skb:kfree_skb) at its source line.`;
}

/**
 * Header lines on this machine (ctx.here), for a script written for a generic target: what it
 * lacks to run the script as it is, and what stands in here. Nothing when the facts say it can.
 */
function hereLines(ctx: BtContext, probes: BtProbe[], kfreeSkb: boolean, fn?: string): string[] {
  const here = ctx.here;
  if (!here) return [];
  const kprobeCount = probes.filter((p) => /^k(ret)?probe:/.test(p.point)).length;
  const out: string[] = [];
  if (kprobeCount && here.kprobes === false) {
    out.push(`This machine cannot run it as it is: ${here.source} has no kprobe_events, so its ${kprobeCount} kprobe${kprobeCount === 1 ? '' : 's'} cannot attach here (CONFIG_KPROBE_EVENTS); written for a generic target, it runs on one that has them.`);
    out.push(kfreeSkb && here.kfreeSkb !== false
      ? `Here the kfree_skb tracepoint stands in: generated for this machine (--host local; in VS Code, "Probe for host…" then local) the script keeps only tracepoint:skb:kfree_skb and counts the drops by reason and location.`
      : `Here ${standIn(fn, ctx.hasDropSites, 'local')}`);
  }
  if (kfreeSkb && here.kfreeSkb === false) out.push(`This machine has no skb:kfree_skb event (${here.source}): the drops cannot be counted by reason here.`);
  if ((kprobeCount || kfreeSkb) && here.kprobes === undefined && here.kfreeSkb === undefined) out.push(`Whether this machine can run it was not checked: ${here.source}.`);
  return out;
}

/** Why a target that was named cannot run any probe of the script, and what stands in there. */
function refusal(ctx: BtContext, what: string, notes: string, fn?: string): ProbeError {
  if (ctx.host.kprobes === false && ctx.host.kfreeSkb !== false) notes += `${notes.includes('\n') ? '\n' : ' '}There ${standIn(fn, ctx.hasDropSites, undefined)}`;
  return new ProbeError(`no bpftrace probe ${what}:${notes.startsWith('\n') ? '' : ' '}${notes}`);
}

function staticNote(fns: ProbeFunction[]): string[] {
  const cloned = fns.filter((f) => f.isStatic && !f.isInline).map((f) => f.name);
  return cloned.length ? [`Static functions (${cloned.join(', ')}) may be inlined or cloned (f.isra.N) by GCC: a kprobe on the plain name then fails to attach; /proc/kallsyms tells.`] : [];
}

function generated(mode: GeneratedProbe['mode'], title: string, fileName: string, spec: BtSpec): GeneratedProbe {
  return { mode, format: 'bpftrace', title, fileName, text: writeBpftraceScript(spec), points: [...spec.probes.map((p) => p.point), ...(spec.kfreeSkb ? ['tracepoint:skb:kfree_skb'] : [])] };
}

/** kprobe and kretprobe of a function. */
export function functionBpftrace(ctx: BtContext, fn: ProbeFunction): GeneratedProbe {
  if (fn.host?.inlinedAway && ctx.host.kprobes !== false) return inlinedBpftrace(ctx, fn);
  const k = kprobes(ctx, fn, `entry ${fn.name}`, true);
  if (!k.probes.length) throw refusal(ctx, `for ${fn.name}`, k.note ?? '', fn.name);
  const title = `entry and return of ${fn.name}`;
  return generated('function', title, `${fn.name}.bt`, { header: headerOf(ctx, `${title} (bpftrace)`, [describe(fn), ...hostLines(ctx, true), ...hereLines(ctx, k.probes, false, fn.name), ...staticNote([fn])], [fn]), probes: k.probes });
}

/**
 * A function the target inlined into its callers has no symbol: bpftrace cannot attach to its
 * inlined copies (kprobes take symbols, not the call sites), so each caller's entry is counted instead.
 */
function inlinedBpftrace(ctx: BtContext, fn: ProbeFunction): GeneratedProbe {
  const callers = ctx.callers ?? [];
  const probes: BtProbe[] = [];
  const left: string[] = [];
  for (const c of callers) {
    const k = kprobes(ctx, c, `caller ${c.name}`, false);
    probes.push(...k.probes.map((p) => ({ ...p, comment: `${c.name} calls ${fn.name}, which the target inlined into it: counted at ${c.name}'s entry.` })));
    if (k.note) left.push(`  ${k.note}`);
  }
  if (!probes.length) throw new ProbeError(`no bpftrace probe for ${fn.name}: the target inlined it into its callers, and ${callers.length ? 'none of them has a symbol either' : 'the call graph knows no caller'}; use --format stap (.inline)`);
  const title = `callers of ${fn.name}, inlined on the target`;
  const lines = [describe(fn), `The target has no symbol for ${fn.name} (GCC inlined it): counted at its callers' entries, an upper bound of its calls.`, ...(left.length ? ['Left out:', ...left] : []), ...hostLines(ctx, true), ...hereLines(ctx, probes, false, fn.name)];
  return generated('function', title, `${fn.name}.bt`, { header: headerOf(ctx, `${title} (bpftrace)`, lines, [fn, ...callers]), probes });
}

/** A kprobe on the callee of every hop, numbered so the table reads in path order. */
export function pathBpftrace(ctx: BtContext, first: ProbeFunction, hops: Array<{ hop: PathHopInput; callee: ProbeFunction }>): GeneratedProbe {
  if (!hops.length) throw new ProbeError(`no call chain from ${first.name}`);
  const width = String(hops.length).length;
  const num = (i: number) => String(i).padStart(width, '0');
  const probes: BtProbe[] = [];
  const notes: string[] = [];
  const add = (fn: ProbeFunction, label: string, comment: string) => {
    const k = kprobes(ctx, fn, label, false);
    probes.push(...k.probes.map((p) => ({ ...p, comment })));
    if (k.note) notes.push(`  ${label}: ${k.note}`);
  };
  add(first, `${num(0)}. ${first.name}`, `Entry of ${first.name}, where the path starts.`);
  hops.forEach(({ hop, callee }, i) => add(callee, `${num(i + 1)}. ${hop.caller} -> ${hop.callee}`, `Hop ${i + 1}: ${hop.caller} calls ${hop.callee} at ${hop.file}:${hop.line} (${hop.kind}); counted at ${callee.name}'s entry.`));
  if (!probes.length) throw refusal(ctx, `on the path from ${first.name}`, `\n${notes.join('\n')}`);
  const last = hops[hops.length - 1].hop.callee;
  const title = `receive path ${first.name} -> ${last}`;
  const lines = [
    `${hops.length} hops from the call graph, each counted at its callee's entry (kprobe), from any caller:`,
    'the first hop whose count falls behind the one before is where packets leave this path.',
    ...(notes.length ? ['Hops without a probe:', ...notes] : []),
    ...hostLines(ctx, true), ...hereLines(ctx, probes, false), ...staticNote([first, ...hops.map((h) => h.callee)]),
  ];
  return generated('path', title, `path-${first.name}-${last}.bt`, { header: headerOf(ctx, `${title} (bpftrace)`, lines, [first, ...hops.map((h) => h.callee)]), probes, everySeconds: TABLE_EVERY_S });
}

/**
 * The drop-reason names to print: the target's own (its kfree_skb format) when known, saying
 * whether the indexed tree's enum agrees; else the indexed enum's, which the target may number otherwise.
 */
function reasonNames(ctx: BtContext, indexed: ReasonTable | undefined): { names?: Map<number, string>; source?: string; note: string } {
  const own = ctx.host.reasons;
  if (own) {
    const differ = indexed ? [...own].filter(([v, n]) => indexed.names[v] !== n).length : own.size;
    const agree = indexed && !differ;
    const from = ctx.host.reasonsSource ?? ctx.host.source;
    return { names: own, source: from, note: `Drop-reason names from ${from}${agree ? `; the indexed enum (${indexed!.file}) agrees.` : `; the indexed tree's enum differs in ${differ} of ${own.size} (another kernel): the target's names are used.`}` };
  }
  if (indexed) return { names: new Map(indexed.names.map((n, v) => [v, n])), source: indexed.file, note: `Drop-reason names from the indexed tree (${indexed.file}); a target running another kernel may number them otherwise.` };
  return { note: 'This tree has no enum skb_drop_reason: reasons are printed as numbers.' };
}

/** kfree_skb by reason and freeing function, with kprobes on the function and its counter functions. */
export function dropsBpftrace(ctx: BtContext, fn: ProbeFunction, sites: DropSiteInput[], indexed: ReasonTable | undefined, counterFunctions: ProbeFunction[] = []): GeneratedProbe {
  const mine = sites.filter((s) => s.function === fn.name && s.file === fn.file).sort((a, b) => a.line - b.line);
  if (!mine.length) throw new ProbeError(`no drop sites in ${fn.name} (${fn.file}:${fn.line})`);
  const probes: BtProbe[] = [];
  const left: string[] = [];
  for (const [f, label, why] of [[fn, `entry ${fn.name}`, `Entry of ${fn.name}: compare its drops with its calls.`] as const, ...counterFunctions.map((c) => [c, `counter ${c.name}`, `The counter function the drop path calls: ${describe(c)}`] as const)]) {
    const k = kprobes(ctx, f, label, false);
    probes.push(...k.probes.map((p) => ({ ...p, comment: why })));
    if (k.note) left.push(`  ${k.note}`);
  }
  const names = reasonNames(ctx, indexed);
  const noTrace = ctx.host.kfreeSkb === false;
  if (noTrace) left.push(`  tracepoint:skb:kfree_skb: ${ctx.host.source} has no skb:kfree_skb event, so drops cannot be counted by reason there.`);
  if (noTrace && !probes.length) throw new ProbeError(`no bpftrace probe for the drops of ${fn.name}: ${left.join(';').trim()}`);
  // A target without kprobes still counts the drops: the tracepoint stands in for the left-out kprobes.
  if (!noTrace && ctx.host.kprobes === false && left.length) left.push(`  tracepoint:skb:kfree_skb needs no kprobes: it stands in for them, telling the drops apart by reason and location.`);
  const title = `which drop site fires in ${fn.name}?`;
  const lines = [
    describe(fn),
    `${mine.length} drop site${mine.length === 1 ? '' : 's'}; bpftrace cannot probe a line, so the drops are told apart by reason and freeing function:`,
    ...mine.map((s) => `  ${base(s.file)}:${s.line} ${s.kind === 'goto' ? `goto ${s.label}` : `${s.kind} ${s.via ?? ''}`.trim()}: reason ${s.reason ? s.reason.replace('SKB_DROP_REASON_', '') : '-'}${s.counters?.length ? `; counts ${s.counters.join(', ')}` : ''}`),
    `kfree_skb's location is the function that called it after inlining: a static function's drops may show under the function it was inlined into.`,
    names.note,
    ...(left.length ? ['Left out:', ...left] : []),
    ...hostLines(ctx, probes.length > 0), ...hereLines(ctx, probes, !noTrace, fn.name), ...staticNote(probes.length ? [fn, ...counterFunctions] : []),
  ];
  return generated('drops', title, `drops-${fn.name}.bt`, {
    header: headerOf(ctx, `${title} (bpftrace)`, lines, [fn, ...counterFunctions]), probes, everySeconds: TABLE_EVERY_S,
    ...(noTrace ? {} : { kfreeSkb: { ...(names.names ? { reasons: names.names } : {}), ...(names.source ? { source: names.source } : {}) } }),
  });
}
