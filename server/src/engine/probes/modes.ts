// The four probe modes. Each turns functions, lines, drop sites or call-graph hops into counted
// sites and hands them to writeStapScript.
import { placeDropSites } from './drop-points';
import { nearestRecorded, type LineTable } from './line-table';
import { functionPoints, probedInline, statementPoints } from './points';
import { writeStapScript, type ReasonTable, type ScriptSpec } from './stap-script';
import { buildNote, traceSupport } from './tool-versions';
import { ProbeError, type DropSiteInput, type GeneratedProbe, type PathHopInput, type ProbeFunction, type ProbeSite } from './types';

/** Seconds between per-site tables in the modes that narrow something down. */
export const TABLE_EVERY_S = 5;

export interface ModeContext {
  /** Kernel version of the tree, e.g. "6.1.192", for the header. */
  version?: string;
  /** Header notes on the probed functions, e.g. which ones the target's /proc/kallsyms lacks. */
  check?: (functions: ProbeFunction[]) => string[];
  /** The SystemTap version the script is for (`stap -V`), when known: decides the tracepoint part. */
  stapVersion?: string;
  /** The target's kernel version (`uname -r`) when a host's facts say it; else the tree's version is assumed. */
  targetKernel?: string;
  /** The target's tracefs has no skb:kfree_skb tracepoint: the tracepoint part is left out. */
  noKfreeSkb?: string;
}

export function base(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** Where the probe points look for the function, in words. */
export function objectText(fn: ProbeFunction): string {
  if (fn.file.endsWith('.h') && fn.inlinedInto) {
    const into = fn.inlinedInto;
    return `a header function, probed where it is inlined into ${into.name} (${into.file}): ${objectText({ ...fn, file: into.file, object: into.object, inlinedInto: undefined })}`;
  }
  if (fn.file.endsWith('.h')) return 'a header function: it may be inlined into the kernel and into any module';
  const o = fn.object;
  if (!o) return 'not named by any Kbuild makefile: probed in the kernel';
  if (o.kind === 'builtin') return `built into the kernel (${o.makefile})`;
  if (o.kind === 'module') return `in module ${o.module} (${o.makefile})`;
  return `in module ${o.module}, or built in (${o.config ?? 'obj-$(CONFIG_...)'} in ${o.makefile})`;
}

export function describe(fn: ProbeFunction): string {
  const kind = fn.isInline ? 'inline function' : fn.isStatic ? 'static function' : 'function';
  return `${fn.name}, ${kind.startsWith('i') ? 'an' : 'a'} ${kind} at ${fn.file}:${fn.line}, ${objectText(fn)}.`;
}

export function headerOf(ctx: ModeContext, title: string, lines: string[], probed: ProbeFunction[]): string[] {
  const build = buildNote(ctx.targetKernel ?? ctx.version, ctx.stapVersion);
  const notes = [...(ctx.check?.(probed) ?? []), ...(build ? [build] : [])];
  return [`netpath: ${title}`, `Generated from the indexed Linux ${ctx.version ?? '(unknown version)'} tree.`, '', ...lines, ...(notes.length ? ['', ...notes] : [])];
}

function entrySite(fn: ProbeFunction, label = `entry ${fn.name}`): ProbeSite {
  const clones = fn.host?.stapNames?.filter((n) => n !== fn.name) ?? [];
  const comment = fn.host?.inlinedAway
    ? `Entry of ${fn.name}: the target has no symbol for it (inlined into its callers); ${probedInline(fn) ? '.inline matches each inlined copy' : 'the plain form matches inlined copies and an out-of-line one'}.`
    : clones.length
      ? `Entry of ${fn.name}: the target has it only as ${clones.join(', ')}, probed by ${clones.length === 1 ? 'that name' : 'those names'}.`
      : fn.isInline
    ? `Entry of ${fn.name}: .inline matches each copy inlined into a caller.`
    : fn.isStatic
      ? `Entry of ${fn.name}: the plain form also matches copies GCC inlined; .isra/.constprop are its clones.`
      : `Entry of ${fn.name}: .call matches the out-of-line function only.`;
  return { label, points: functionPoints(fn, 'entry')!, comment };
}

function generated(mode: GeneratedProbe['mode'], title: string, fileName: string, spec: ScriptSpec): GeneratedProbe {
  return { mode, format: 'stap', title, fileName, text: writeStapScript(spec), points: spec.sites.flatMap((s) => s.points) };
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
  const notes = fn.isInline ? ['It is inline, so it is probed where it was inlined, and has no return probe.']
    : fn.host?.inlinedAway ? [`The target has no symbol for it (GCC inlined it into its callers): probed with ${probedInline(fn) ? '.inline' : 'the plain form'} where it was inlined, and no return probe.`] : [];
  return generated('function', title, `${fn.name}.stp`, { header: headerOf(ctx, title, [describe(fn), ...notes], [fn]), sites });
}

/**
 * A statement probe on one line of a function, with the function's entry for comparison. With the
 * build's line table a line without a statement record snaps to the nearest one that has one;
 * without it, a goto-drop line is counted as its drop site is (the label and its reason variable).
 */
export function lineProbe(ctx: ModeContext, fn: ProbeFunction, line: number, table?: LineTable, drops: DropSiteInput[] = [], reasons?: ReasonTable): GeneratedProbe {
  if (!Number.isInteger(line) || line < fn.line || line > fn.endLine) {
    throw new ProbeError(`line ${line} is not in ${fn.name} (${fn.file}:${fn.line}-${fn.endLine})`);
  }
  const title = `${base(fn.file)}:${line} in ${fn.name}`;
  const notes: string[] = [];
  let sites: ScriptSpec['sites'];
  const gotoSite = drops.find((d) => d.kind === 'goto' && d.line === line);
  if (table) {
    const at = nearestRecorded(table, fn, line);
    if (at === undefined) throw new ProbeError(`no line of ${fn.name} has a statement record in ${table.object}`);
    notes.push(at === line
      ? `Line ${line} has a statement record in ${table.object}.`
      : `Line ${line} has no statement record in ${table.object} (no code of its own, or merged by the optimiser): probing line ${at}, the nearest line that has one.`);
    sites = [{ label: `${base(fn.file)}:${at}`, points: statementPoints(fn, at), comment: `The statement at ${fn.file}:${at}${at === line ? '' : ` (asked: ${line})`}.` }];
  } else if (gotoSite) {
    const placed = placeDropSites(fn, drops, reasons, undefined, line);
    notes.push(`Line ${line} is a goto to drop label ${gotoSite.label}: a goto has no line record of its own, so it is counted as its drop site is:`, ...placed.methods);
    sites = placed.sites;
  } else {
    notes.push('Not checked against the build\'s line table (pass --debuginfo DIR): a line without code of its own is rejected by stap at pass 2.');
    sites = [{ label: `${base(fn.file)}:${line}`, points: statementPoints(fn, line), comment: `The statement at ${fn.file}:${line}.` }];
  }
  sites.push(entrySite(fn));
  const header = headerOf(ctx, title, [describe(fn), ...notes, 'Compare the line\'s hits with the entries of its function.'], [fn]);
  return generated('line', title, `${fn.name}-${line}.stp`, { header, sites });
}

/** One probe per hop of a call chain: the callee's entry, so the table shows where packets stop. */
export function pathProbe(ctx: ModeContext, first: ProbeFunction, hops: Array<{ hop: PathHopInput; callee: ProbeFunction }>): GeneratedProbe {
  if (!hops.length) throw new ProbeError(`no call chain from ${first.name}`);
  const last = hops[hops.length - 1].hop.callee;
  const title = `receive path ${first.name} -> ${last}`;
  const sites: ScriptSpec['sites'] = [entrySite(first, `0. ${first.name}`)];
  // A header function on the path runs as the copy inlined into the last function before it that
  // is not in a header (gro_normal_one into napi_skb_finish, in the kernel): only that object is
  // searched. module("*") would count copies on other paths, and makes stap read the DWARF of
  // every module (half a minute, 7-8 GB at pass 2 on 6.12).
  let linked: ProbeFunction | undefined = first.file.endsWith('.h') ? undefined : first;
  hops.forEach(({ hop, callee: c }, i) => {
    const callee: ProbeFunction = c.file.endsWith('.h') && linked ? { ...c, inlinedInto: { name: linked.name, file: linked.file, ...(linked.object ? { object: linked.object } : {}) } } : c;
    if (!c.file.endsWith('.h')) linked = c;
    sites.push({
      ...entrySite(callee, `${i + 1}. ${hop.caller} -> ${hop.callee}`),
      comment: `Hop ${i + 1}: ${hop.caller} calls ${hop.callee} at ${hop.file}:${hop.line} (${hop.kind}); counted at ${callee.name}'s entry, ${objectText(callee)}.`,
    });
  });
  const lines = [
    `${hops.length} hops from the call graph. Each hop is counted at its callee's entry, from any caller`,
    '(a header function: at its copies in the object its caller on this path is linked into):',
    'the first hop whose count falls behind the one before is where packets leave this path.',
  ];
  return generated('path', title, `path-${first.name}-${last}.stp`, { header: headerOf(ctx, title, lines, [first, ...hops.map((h) => h.callee)]), sites, everySeconds: TABLE_EVERY_S });
}

/**
 * "Which drop site fires?": a probe point per drop site (see drop-points.ts for which), a
 * .label probe per drop label, the function's entry, the counter functions the drop path calls
 * and, where the tree has drop reasons and the host's SystemTap can build it, kfree_skb counted
 * by reason and by the function that freed.
 */
export function dropsProbe(ctx: ModeContext, fn: ProbeFunction, sites: DropSiteInput[], reasons: ReasonTable | undefined, counterFunctions: ProbeFunction[] = [], table?: LineTable): GeneratedProbe {
  const mine = sites.filter((s) => s.function === fn.name && s.file === fn.file).sort((a, b) => a.line - b.line);
  if (!mine.length) throw new ProbeError(`no drop sites in ${fn.name} (${fn.file}:${fn.line})`);
  const placed = placeDropSites(fn, mine, reasons, table);
  const spec: ScriptSpec['sites'] = [entrySite(fn), ...placed.sites];
  for (const c of counterFunctions) {
    spec.push({ ...entrySite(c, `counter ${c.name}`), comment: `The counter function the drop path calls: ${describe(c)}` });
  }
  const trace = !reasons ? undefined : ctx.noKfreeSkb ? { ok: false, note: ctx.noKfreeSkb } : traceSupport(ctx.targetKernel ?? ctx.version, ctx.stapVersion);
  const title = `which drop site fires in ${fn.name}?`;
  const lines = [
    describe(fn),
    `${mine.length} drop site${mine.length === 1 ? '' : 's'}. The sites whose hits rise with the drop counter are the ones that fire.`,
    table ? `Probe points checked against the statement line records of ${table.object}:` : 'Probe points chosen without the build\'s line table (pass --debuginfo DIR to check lines against it):',
    ...placed.methods,
    ...(reasons && trace?.ok ? [`kfree_skb is also counted by drop reason (enum skb_drop_reason, ${reasons.file}).`] : []),
    ...(trace?.note ? trace.note.split('\n') : []),
  ];
  return generated('drops', title, `drops-${fn.name}.stp`, {
    header: headerOf(ctx, title, lines, [fn, ...counterFunctions]), sites: spec, everySeconds: TABLE_EVERY_S,
    ...(reasons && trace?.ok ? { reasons } : {}), ...(trace && !trace.ok ? { traceLeftOut: trace.note } : {}),
  });
}
