// What a host's kernel lets bpftrace attach, read from its tracefs: kprobes need kprobe_events
// (CONFIG_KPROBE_EVENTS; this project's own test machine has none), and the kfree_skb
// tracepoint's format carries the kernel's own drop-reason table. Reading needs root and a
// mounted tracefs; what cannot be read stays undefined rather than guessed.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TraceFacts {
  /** Whether kprobes can be attached; undefined when tracefs cannot be read. */
  kprobes?: boolean;
  /** Whether the skb:kfree_skb tracepoint exists; undefined when tracefs cannot be read. */
  kfreeSkb?: boolean;
  /** enum skb_drop_reason as this kernel prints it (value -> name without SKB_DROP_REASON_). */
  reasons?: Map<number, string>;
  /** Where `reasons` came from, when not `source`. */
  reasonsSource?: string;
  /** Where the facts came from, for the script header. */
  source: string;
}

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The `__print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ...)` table of the kfree_skb format file. */
export function parseReasonFormat(text: string): Map<number, string> | undefined {
  const at = text.indexOf('__print_symbolic(REC->reason');
  if (at < 0) return undefined;
  const out = new Map<number, string>();
  for (const m of text.slice(at).matchAll(/\{\s*(\d+)\s*,\s*"(\w+)"\s*\}/g)) out.set(Number(m[1]), m[2]);
  return out.size ? out : undefined;
}

/** This machine's facts, from the first tracefs mount that has events. */
export function localTraceFacts(roots: string[] = TRACEFS): TraceFacts {
  for (const root of roots) {
    if (!fs.existsSync(path.join(root, 'events'))) continue;
    let reasons: Map<number, string> | undefined;
    try {
      reasons = parseReasonFormat(fs.readFileSync(path.join(root, 'events/skb/kfree_skb/format'), 'utf8'));
    } catch {
      reasons = undefined;
    }
    return { kprobes: fs.existsSync(path.join(root, 'kprobe_events')), kfreeSkb: fs.existsSync(path.join(root, 'events/skb/kfree_skb')), ...(reasons ? { reasons } : {}), source: `this machine's tracefs (${root})` };
  }
  return { source: 'this machine (tracefs not mounted or not readable)' };
}
