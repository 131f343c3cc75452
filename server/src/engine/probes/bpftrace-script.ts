// Writes a bpftrace script (the language of bpftrace 0.17, Debian 12): the same shape as the
// SystemTap scripts. A commented header, kprobes counting into @hits keyed by site, the first
// few hits printed with their context, kfree_skb counted by drop reason and freeing function,
// the tables every few seconds and at the end, and a timer that stops the script.
import { DEFAULT_DURATION_S, PRINT_LIMIT } from './stap-script';

export interface BtProbe {
  /** kprobe:f, kretprobe:f. */
  point: string;
  /** The key in @hits; a number prefix keeps path hops in order in bpftrace's printout. */
  label: string;
  comment?: string;
  /** Print the return value with the first hits (kretprobe of a non-void function). */
  retval?: boolean;
}

export interface BtSpec {
  header: string[];
  probes: BtProbe[];
  /** Count tracepoint:skb:kfree_skb by reason and freeing function, naming reasons from this table. */
  kfreeSkb?: { reasons?: Map<number, string>; source?: string };
  everySeconds?: number;
  durationSeconds?: number;
}

function str(s: string): string {
  return JSON.stringify(s);
}

export function writeBpftraceScript(spec: BtSpec): string {
  const duration = spec.durationSeconds ?? DEFAULT_DURATION_S;
  const out: string[] = ['#!/usr/bin/env bpftrace'];
  for (const h of spec.header) out.push(h ? `// ${h}` : '//');
  out.push(
    '//',
    '// Run as root on the kernel this was generated for:   bpftrace this-file.bt',
    `// It prints the first ${PRINT_LIMIT} hits with cpu, process and site, then only counts.`,
    `// It stops after ${duration} s, or on Ctrl-C, and prints the tables.`,
    '',
    'BEGIN',
    '{',
  );
  const reasons = spec.kfreeSkb?.reasons;
  if (reasons) {
    out.push(`  // enum skb_drop_reason, from ${spec.kfreeSkb?.source ?? 'the indexed tree'}`);
    for (const [v, n] of [...reasons].sort((a, b) => a[0] - b[0])) out.push(`  @reason_name[${v}] = ${str(n)};`);
  }
  const what = [spec.probes.length ? `${spec.probes.length} probe${spec.probes.length === 1 ? '' : 's'}` : '', spec.kfreeSkb ? 'kfree_skb drop reasons' : ''].filter(Boolean).join(' and ');
  out.push(`  printf("netpath: ${what} for ${duration} s, Ctrl-C stops\\n");`, '}', '');
  for (const p of spec.probes) {
    if (p.comment) for (const c of p.comment.split('\n')) out.push(`// ${c}`);
    out.push(
      p.point,
      '{',
      `  @hits[${str(p.label)}] = count();`,
      `  if (@printed < ${PRINT_LIMIT}) {`,
      '    @printed++;',
      p.retval
        ? `    printf("%-40s cpu%-3d %-16s %-7d %d\\n", ${str(p.label)}, cpu, comm, pid, retval);`
        : `    printf("%-40s cpu%-3d %-16s %-7d\\n", ${str(p.label)}, cpu, comm, pid);`,
      '  }',
      '}',
      '',
    );
  }
  if (spec.kfreeSkb) {
    out.push(
      '// Every kfree_skb with its drop reason (number and name) and the function that freed the packet.',
      'tracepoint:skb:kfree_skb',
      '{',
      `  @drops[args->reason, ${reasons ? '@reason_name[args->reason]' : '""'}, ksym(args->location)] = count();`,
      '}',
      '',
    );
  }
  const maps = [...(spec.probes.length ? ['@hits'] : []), ...(spec.kfreeSkb ? ['@drops'] : [])];
  const print = maps.map((m) => `  print(${m});`);
  if (spec.everySeconds) out.push(`interval:s:${spec.everySeconds}`, '{', '  time("\\n%H:%M:%S\\n");', ...print, '}', '');
  out.push(`interval:s:${duration}`, '{', '  exit();', '}', '');
  // Printed once here, then cleared, so that bpftrace does not print every map again on exit.
  out.push('END', '{', '  printf("\\nnetpath: totals\\n");', ...print,
    ...[...maps, ...(spec.probes.length ? ['@printed'] : []), ...(reasons ? ['@reason_name'] : [])].map((m) => `  clear(${m});`), '}', '');
  return out.join('\n');
}
