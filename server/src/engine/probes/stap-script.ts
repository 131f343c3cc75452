// Writes a SystemTap script around a list of counted sites. Every mode shares its shape:
// a commented header, one probe per site counting into hits[i], the first few hits printed
// with their context, a per-site table every few seconds and at the end, and a timer that
// stops the script. Nothing writes to the kernel or embeds C, so Guru mode (-g) is never needed.
import { KFREE_SKB_TRACE, quote } from './points';
import type { ProbeSite } from './types';

/** Hits printed line by line before the script only counts (a hot path fires millions of times). */
export const PRINT_LIMIT = 20;
export const DEFAULT_DURATION_S = 60;

export interface ReasonTable {
  /** enum skb_drop_reason names by value, from the indexed tree. */
  names: string[];
  /** Where the enum is declared, for the comment. */
  file: string;
}

/** A counted site. Sites with the same points share one probe; `when` counts a site only when it holds. */
export type ScriptSite = ProbeSite & {
  /** A stap string expression printed after the context, e.g. $$return. */
  value?: string;
  /** A stap condition, e.g. `$drop_reason == 3`: which of the arrivals at a shared point are this site's. */
  when?: string;
};

export interface ScriptSpec {
  /** Comment lines for the top of the script (without the leading "# "). */
  header: string[];
  sites: ScriptSite[];
  /** Count kfree_skb by drop reason and freeing function (trees with enum skb_drop_reason). */
  reasons?: ReasonTable;
  /** Why the kfree_skb tracepoint is left out (the host's SystemTap cannot build it): written in its place. */
  traceLeftOut?: string;
  /** Print the table every this many seconds as well as at the end. */
  everySeconds?: number;
  durationSeconds?: number;
}

export function writeStapScript(spec: ScriptSpec): string {
  const duration = spec.durationSeconds ?? DEFAULT_DURATION_S;
  const out: string[] = ['#!/usr/bin/env stap'];
  for (const h of spec.header) out.push(h ? `# ${h}` : '#');
  out.push(
    '#',
    '# Run as root (or as a member of stapusr) on the kernel this was generated for, with its',
    '# debuginfo installed (Debian: linux-image-$(uname -r)-dbg):   stap -v this-file.stp',
    `# It prints the first ${PRINT_LIMIT} hits with cpu, process, probe point and value, then only counts.`,
    `# It stops after ${duration} s, or on Ctrl-C, and prints the table of hits per site.`,
    '# Points ending in "?" are alternatives: the ones the running kernel lacks are skipped.',
    '# Read-only: no Guru mode (-g) needed.',
    '',
    'global site        # site number -> label',
    'global hits        # site number -> hits',
    'global printed     # hits printed so far',
  );
  if (spec.reasons) {
    out.push(
      'global reason_name # enum skb_drop_reason value -> name',
      'global drops       # [reason, freeing function] -> kfree_skb calls',
    );
  }
  out.push('', 'probe begin', '{');
  spec.sites.forEach((s, i) => out.push(`  site[${i + 1}] = ${quote(s.label)}`));
  if (spec.reasons) {
    out.push(`  # from ${spec.reasons.file}`);
    spec.reasons.names.forEach((n, v) => out.push(`  reason_name[${v}] = ${quote(n)}`));
  }
  out.push(`  printf("netpath: ${spec.sites.length} site${spec.sites.length === 1 ? '' : 's'}${spec.reasons ? ' and kfree_skb drop reasons' : ''} for ${duration} s, Ctrl-C stops\\n")`, '}', '');
  out.push(
    '# One line per hit, until the limit: where it fired and in which context.',
    'function show(i, value)',
    '{',
    `  if (printed++ < ${PRINT_LIMIT})`,
    '    printf("%-40s cpu%-3d %-16s %-7d %s %s\\n", site[i], cpu(), execname(), pid(), pp(), value)',
    '}',
    '',
  );
  // Sites on the same points (a drop label and the gotos it tells apart) share one probe.
  const probes = new Map<string, number[]>();
  spec.sites.forEach((s, i) => {
    const key = s.points.join('\n');
    probes.set(key, [...(probes.get(key) ?? []), i]);
  });
  for (const members of probes.values()) {
    for (const i of members) for (const c of spec.sites[i].comment?.split('\n') ?? []) out.push(`# ${c}`);
    out.push(`probe ${spec.sites[members[0]].points.join(',\n      ')}`, '{');
    for (const i of members) {
      const s = spec.sites[i];
      const count = [`hits[${i + 1}]++`, `show(${i + 1}, ${s.value ?? '""'})`];
      if (s.when) out.push(`  if (${s.when}) {`, ...count.map((c) => `    ${c}`), '  }');
      else out.push(...count.map((c) => `  ${c}`));
    }
    out.push('}', '');
  }
  if (spec.traceLeftOut) out.push(...spec.traceLeftOut.split('\n').map((c) => `# ${c}`), '');
  if (spec.reasons) {
    out.push(
      '# Every kfree_skb with its drop reason and the function that freed the packet.',
      `probe ${KFREE_SKB_TRACE}`,
      '{',
      '  drops[$reason, symname($location)]++',
      '}',
      '',
      'function reason_text:string(r:long)',
      '{',
      '  return r in reason_name ? reason_name[r] : sprintf("reason %d", r)',
      '}',
      '',
    );
  }
  out.push(
    'function table()',
    '{',
    '  printf("\\n%-60s %12s\\n", "site", "hits")',
    `  for (i = 1; i <= ${spec.sites.length}; i++)`,
    '    printf("%-60s %12d\\n", site[i], hits[i])',
  );
  if (spec.reasons) {
    out.push(
      '  printf("\\n%-40s %-32s %12s\\n", "kfree_skb reason", "freed in", "packets")',
      '  foreach ([r, fn] in drops- limit 20)',
      '    printf("%-40s %-32s %12d\\n", reason_text(r), fn, drops[r, fn])',
    );
  }
  out.push('}', '');
  if (spec.everySeconds) out.push(`probe timer.s(${spec.everySeconds})`, '{', '  table()', '}', '');
  out.push(`probe timer.s(${duration})`, '{', '  exit()', '}', '', 'probe end', '{', '  table()', '}', '');
  return out.join('\n');
}
