// Parses the answer of host-script.ts into HostFacts. Pure: text in, facts out. Tolerant inside a
// section (unknown lines are skipped, an unreadable section is a status, not an error), strict
// about the frame: an answer without its BEGIN line, of another script version, or cut before its
// END line is refused with a HostFactsError that says so, since half the facts would be read as
// "the host lacks this" and turn into wrong probe points.
import { parseKallsyms, type KallsymsTable } from './kallsyms';
import { FACTS_SCRIPT_VERSION, isFactsMarker } from './host-script';
import { parseReasonFormat } from './host-facts';
import { parseStapVersion } from './tool-versions';

/** How a section was read on the host: ok, or why not (the script's words). */
export type SectionStatus = 'ok' | 'missing' | 'denied' | 'error';

export interface HostFacts {
  /** The host as the user named it ("local" for this machine). */
  host: string;
  /** ISO time the facts were collected. */
  collectedAt: string;
  /** `uname -r`. */
  release: string;
  kallsyms: { status: SectionStatus; table?: KallsymsTable };
  /** Loaded modules (/proc/modules), names with `_`. */
  modules: { status: SectionStatus; names?: Set<string> };
  /** Modules built into the kernel (modules.builtin), names with `_`. */
  builtin: { status: SectionStatus; names?: Set<string> };
  /** Set options (`CONFIG_TAP` -> y|m) and the file they came from. */
  config: { status: SectionStatus; source?: string; options?: Map<string, 'y' | 'm'> };
  /** `stap -V` / `bpftrace -V` versions; status missing when the tool is not installed. */
  stap: { status: SectionStatus; version?: string };
  bpftrace: { status: SectionStatus; version?: string };
  tracing: TracingFacts;
}

/** yes: exists and readable; denied: exists, not readable by this user; no: absent. */
export type Access = 'yes' | 'denied' | 'no';

export interface TracingFacts {
  /** The tracefs mount with events, 'denied' when tracefs exists but cannot be listed, 'no' when absent or not mounted. */
  tracefs: string;
  kfreeSkb?: Access;
  kprobeEvents?: Access;
  kprobePmu?: Access;
  tracepointPmu?: Access;
  debugfsKprobes?: Access;
  /** The kfree_skb format's drop-reason table, when readable. */
  reasons?: Map<number, string>;
}

export class HostFactsError extends Error {}

interface Section { status: SectionStatus; body: string }

const STATUSES = new Set<SectionStatus>(['ok', 'missing', 'denied', 'error']);

/** The marker-framed sections of an answer; throws HostFactsError when the frame is not whole. */
export function splitSections(text: string, marker: string): Map<string, Section> {
  if (!isFactsMarker(marker)) throw new HostFactsError('bad host-facts marker');
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.startsWith(`${marker} BEGIN `));
  if (begin < 0) throw new HostFactsError('the host did not run the facts script (no BEGIN line in its output)');
  const version = lines[begin].slice(marker.length + 7).trim();
  if (version !== String(FACTS_SCRIPT_VERSION)) throw new HostFactsError(`host facts of script version ${JSON.stringify(version)}, expected ${FACTS_SCRIPT_VERSION}`);
  const out = new Map<string, Section>();
  let name: string | undefined;
  let body: string[] = [];
  for (let i = begin + 1; i < lines.length; i++) {
    const l = lines[i];
    if (!l.startsWith(`${marker} `)) {
      if (name !== undefined) body.push(l);
      continue;
    }
    const [word, arg = ''] = l.slice(marker.length + 1).split(' ', 2);
    if (word === 'FILE') {
      if (name !== undefined) throw new HostFactsError(`the host's facts are garbled: section ${name} has no STATUS line`);
      name = arg;
      body = [];
    } else if (word === 'STATUS') {
      if (name === undefined) throw new HostFactsError('the host\'s facts are garbled: a STATUS line outside a section');
      // The script prints a newline before STATUS so a file without a final newline stays apart.
      if (body.length && body[body.length - 1] === '') body.pop();
      out.set(name, { status: STATUSES.has(arg as SectionStatus) ? (arg as SectionStatus) : 'error', body: body.join('\n') });
      name = undefined;
    } else if (word === 'END') {
      if (name !== undefined) throw new HostFactsError(`the host's facts are garbled: section ${name} has no STATUS line`);
      return out;
    }
  }
  const last = name ?? [...out.keys()].pop() ?? 'the start';
  throw new HostFactsError(`the host's facts are truncated: the output stops ${name ? 'inside' : 'after'} section ${last}, before the END line (connection cut, or the script was killed)`);
}

/** A module's name as the kernel lists it: `-` and `_` are the same in module names. */
function moduleName(s: string): string {
  return s.replace(/-/g, '_');
}

function access(v: string | undefined): Access | undefined {
  return v === 'yes' || v === 'denied' || v === 'no' ? v : undefined;
}

export function parseHostFacts(text: string, marker: string, host: string, collectedAt: string): HostFacts {
  const s = splitSections(text, marker);
  const get = (n: string): Section => s.get(n) ?? { status: 'missing', body: '' };
  const release = get('release').body.trim().split('\n')[0]?.trim() ?? '';
  if (!/^\d+\.\d+\S*$/.test(release)) throw new HostFactsError(`the host's uname -r is not a kernel release: ${JSON.stringify(release.slice(0, 80))}`);
  const ks = get('kallsyms');
  const mods = get('modules');
  const bi = get('builtin');
  const cfg = get('config');
  const options = new Map<string, 'y' | 'm'>();
  let source: string | undefined;
  for (const l of cfg.body.split('\n')) {
    const m = /^CONFIG_([A-Za-z0-9_]+)=([ym])$/.exec(l);
    if (m) options.set(`CONFIG_${m[1]}`, m[2] as 'y' | 'm');
    else if (l.startsWith('source ')) source = l.slice(7).trim();
  }
  const tool = (n: string, parse: (t: string) => string | undefined) => {
    const t = get(n);
    const version = t.status === 'ok' ? parse(t.body) : undefined;
    return { status: t.status === 'ok' && !version ? 'error' as const : t.status, ...(version ? { version } : {}) };
  };
  const tr = new Map<string, string>();
  for (const l of get('tracing').body.split('\n')) {
    const [k, v] = l.trim().split(/\s+/, 2);
    if (k && v) tr.set(k, v);
  }
  const fmt = get('kfree_skb_format');
  const reasons = fmt.status === 'ok' ? parseReasonFormat(fmt.body) : undefined;
  const tracing: TracingFacts = { tracefs: tr.get('tracefs') ?? 'no' };
  for (const [key, field] of [['kfree_skb', 'kfreeSkb'], ['kprobe_events', 'kprobeEvents'], ['kprobe_pmu', 'kprobePmu'], ['tracepoint_pmu', 'tracepointPmu'], ['debugfs_kprobes', 'debugfsKprobes']] as const) {
    const a = access(tr.get(key));
    if (a) tracing[field] = a;
  }
  if (reasons) tracing.reasons = reasons;
  return {
    host, collectedAt, release,
    kallsyms: { status: ks.status, ...(ks.status === 'ok' ? { table: parseKallsyms(ks.body) } : {}) },
    modules: { status: mods.status, ...(mods.status === 'ok' ? { names: new Set(mods.body.split('\n').map((l) => l.split(' ')[0]).filter((n) => /^[\w-]+$/.test(n)).map(moduleName)) } : {}) },
    builtin: { status: bi.status, ...(bi.status === 'ok' ? { names: new Set(bi.body.split('\n').map((l) => /([\w-]+)\.ko(?:\.\w+)?$/.exec(l.trim())?.[1]).filter((n): n is string => !!n).map(moduleName)) } : {}) },
    config: { status: cfg.status, ...(source ? { source } : {}), ...(cfg.status === 'ok' ? { options } : {}) },
    stap: tool('stap', parseStapVersion),
    bpftrace: tool('bpftrace', (t) => /bpftrace v?(\d+(?:\.\d+)+)/.exec(t)?.[1]),
    tracing,
  };
}
