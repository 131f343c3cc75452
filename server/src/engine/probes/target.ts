// What generation knows about the kernel a script will run on: from a host's collected facts
// (`--host`), or only its symbols (`--kallsyms F`); both go through fitFunction, so the two
// flags share one code path. Fitting decides, per probed function: module("m") or kernel (kallsyms
// brackets, modules.builtin, /proc/modules, the config), the real names of GCC's clones, whether
// GCC inlined it away (no symbol while its file's other functions have one), and the words the
// header says about it. Pure: facts in, functions and notes out.
import { checkSymbol, type KallsymsTable } from './kallsyms';
import type { HostFacts } from './host-facts-parse';
import type { TraceFacts } from './host-facts';
import { versionBelow } from './tool-versions';
import type { ProbeFunction } from './types';

export interface TargetFacts {
  /** Where the facts came from, for the header: "host web1", "/tmp/kallsyms". */
  source: string;
  /** `uname -r` of the target, when known. */
  release?: string;
  collectedAt?: string;
  /** Text symbols; undefined when they could not be read (then `kallsymsWhy` says why). */
  kallsyms?: KallsymsTable;
  kallsymsWhy?: string;
  loaded?: Set<string>;
  builtin?: Set<string>;
  config?: Map<string, 'y' | 'm'>;
  /** Installed tool versions; `null`: not installed; undefined: not known. */
  stap?: string | null;
  bpftrace?: string | null;
  /** What the target's tracing can attach (kprobes, kfree_skb) and its drop-reason names. */
  trace?: TraceFacts;
}

/** How a probed function looks on the target, set by fitFunction. */
export interface HostFit {
  /** The facts describe the indexed tree's own kernel (or say nothing about its version): they decide the points. */
  exact: boolean;
  /** stap: the names to probe (the plain name, or only the clones the target has); undefined: Kbuild's guesses. */
  stapNames?: string[];
  /** bpftrace: the symbols a kprobe can attach to on the target. */
  kprobeNames?: string[];
  /** No symbol on the target while its file's other functions have one: GCC inlined it into its callers. */
  inlinedAway?: boolean;
  /** One line for the header, when there is something to say. */
  note?: string;
}

function mods(status: { status: string; names?: Set<string> }): Set<string> | undefined {
  return status.status === 'ok' ? status.names : undefined;
}

/** Kprobes on the target, from the most direct evidence available (tracefs, then config, then the kprobe PMU). */
function kprobesOf(f: HostFacts): { kprobes?: boolean; source: string } {
  const t = f.tracing;
  const tracefs = t.tracefs.startsWith('/') ? t.tracefs : undefined;
  if (tracefs && t.kprobeEvents === 'yes') return { kprobes: true, source: `host ${f.host}'s tracefs (${tracefs})` };
  if (tracefs && t.kprobeEvents === 'no') return { kprobes: false, source: `host ${f.host}'s tracefs (${tracefs})` };
  const opts = f.config.options;
  if (opts) return { kprobes: opts.get('CONFIG_KPROBE_EVENTS') === 'y', source: `host ${f.host}'s kernel config (${f.config.source ?? 'config'})` };
  if (t.kprobePmu === 'yes') return { kprobes: true, source: `host ${f.host}'s kprobe PMU (/sys/bus/event_source/devices/kprobe)` };
  return { source: `host ${f.host} (tracefs ${t.tracefs === 'denied' ? 'not readable without root' : 'not mounted'}, no kernel config)` };
}

export function targetFromHost(f: HostFacts): TargetFacts {
  const table = f.kallsyms.table;
  const k = kprobesOf(f);
  const t = f.tracing;
  const kfreeSkb = t.kfreeSkb === 'yes' ? true : t.kfreeSkb === 'no' ? false : undefined;
  const trace: TraceFacts = { source: k.source, ...(k.kprobes === undefined ? {} : { kprobes: k.kprobes }), ...(kfreeSkb === undefined ? {} : { kfreeSkb }), ...(t.reasons ? { reasons: t.reasons } : {}) };
  if (t.reasons) trace.reasonsSource = `host ${f.host}'s kfree_skb tracepoint format`;
  return {
    source: `host ${f.host}`, release: f.release, collectedAt: f.collectedAt,
    ...(table && table.size ? { kallsyms: table } : { kallsymsWhy: f.kallsyms.status !== 'ok' ? `/proc/kallsyms ${f.kallsyms.status}` : '/proc/kallsyms lists no text symbols (hidden)' }),
    ...(mods(f.modules) ? { loaded: mods(f.modules) } : {}),
    ...(mods(f.builtin) ? { builtin: mods(f.builtin) } : {}),
    ...(f.config.options ? { config: f.config.options } : {}),
    stap: f.stap.version ?? (f.stap.status === 'missing' ? null : undefined),
    bpftrace: f.bpftrace.version ?? (f.bpftrace.status === 'missing' ? null : undefined),
    trace,
  };
}

export function targetFromKallsyms(table: KallsymsTable, source: string): TargetFacts {
  return { source, kallsyms: table };
}

/** "6.12.117+deb12-amd64" -> "6.12.117". */
export function releaseVersion(release: string): string | undefined {
  return /^(\d+\.\d+(?:\.\d+)?)/.exec(release)?.[1];
}

/** Whether the target runs the indexed tree's kernel version (unknown counts as yes: nothing says otherwise). */
export function sameKernel(tree: string | undefined, release: string | undefined): boolean {
  const r = release && releaseVersion(release);
  if (!tree || !r) return true;
  return !versionBelow(tree, r) && !versionBelow(r, tree);
}

/** Header lines about the target itself: where the facts are from and the version guard. */
export function targetLines(t: TargetFacts, tree: string | undefined): string[] {
  const out = [`Fitted to ${t.source}${t.release ? ` (uname -r ${t.release})` : ''}${t.collectedAt ? `, facts collected ${t.collectedAt}` : ''}.`];
  if (!sameKernel(tree, t.release)) {
    out.push(`WARNING: the target runs ${t.release}, but the indexed tree is Linux ${tree}: line numbers, inlining and symbols may differ.`,
      '  Its facts are hints here: probe points keep the tree\'s own alternatives as well. Index the target\'s own source for exact points.');
  }
  if (!t.kallsyms && t.kallsymsWhy) out.push(`The target's symbols are unknown (${t.kallsymsWhy}): functions are not checked against them.`);
  return out;
}

type Placement = { kind: 'builtin' | 'module'; module?: string; why: string };

/** Where the target has the function's object: from its symbols first, then modules.builtin, loaded modules, the config. */
function placementOf(t: TargetFacts, fn: ProbeFunction, symbols: string[]): Placement | undefined {
  const o = fn.object;
  if (!o || o.kind === 'builtin') return undefined;
  const name = o.module.replace(/-/g, '_');
  // Static functions of one name live in many objects: only the symbol of this function's module, or one built in, counts.
  const modules = symbols.map((s) => /\[(\S+)\]$/.exec(s)?.[1]);
  if (modules.includes(name)) return { kind: 'module', module: name, why: `${t.source}'s kallsyms lists it in [${name}]` };
  if (modules.includes(undefined)) return { kind: 'builtin', why: `${t.source}'s kallsyms lists it without a module` };
  if (t.builtin?.has(name)) return { kind: 'builtin', why: `${t.source}'s modules.builtin lists ${o.module}` };
  if (t.loaded?.has(name)) return { kind: 'module', why: `module ${o.module} is loaded on ${t.source}` };
  const c = o.config && t.config?.get(o.config);
  if (c) return { kind: c === 'y' ? 'builtin' : 'module', why: `${o.config}=${c} in ${t.source}'s config` };
  return undefined;
}

const CLONE = /\.(isra|constprop)\.\d+$/;

/** The function fitted to the target: object, names to probe, inlined or not, and a note. */
export function fitFunction(t: TargetFacts, fn: ProbeFunction, fileFunctions: string[], tree: string | undefined): ProbeFunction {
  const exact = sameKernel(tree, t.release);
  const check = t.kallsyms ? checkSymbol(t.kallsyms, fn.name) : undefined;
  const symbols = check?.symbols ?? [];
  const plain = (s: string) => s.replace(/\s*\[\S+\]$/, '');
  const fit: HostFit = { exact };
  const notes: string[] = [];
  let object = fn.object;
  const place = fn.file.endsWith('.h') ? undefined : placementOf(t, fn, symbols);
  if (place && object && object.kind !== 'builtin') {
    // Another kernel than the tree's: the host's placement is added to Kbuild's, not put in its place.
    object = { ...object, kind: exact || object.kind === place.kind ? place.kind : 'either', module: place.module ?? object.module };
    notes.push(`${place.kind === 'module' ? `module("${object.module}")` : 'kernel'}: ${place.why}`);
  }
  if (check) {
    const names = symbols.map(plain);
    if (check.presence === 'present') {
      fit.stapNames = [fn.name];
      fit.kprobeNames = [fn.name];
      const clones = names.filter((n) => n !== fn.name);
      if (clones.length) notes.push(`also as ${clones.join(', ')} on the target`);
    } else if (check.presence === 'clones-only' && names.some((n) => CLONE.test(n))) {
      const clones = names.filter((n) => CLONE.test(n));
      fit.stapNames = clones;
      fit.kprobeNames = clones;
      notes.push(`only as ${clones.join(', ')} on the target (a GCC clone): probed by ${clones.length === 1 ? 'that name' : 'those names'}`);
    } else if (fn.isInline) {
      notes.push('no symbol, as expected of an inline function');
    } else {
      const others = fileFunctions.filter((n) => n !== fn.name && checkSymbol(t.kallsyms!, n).presence !== 'absent');
      if (others.length) {
        fit.inlinedAway = true;
        notes.push(`${check.presence === 'clones-only' ? `only as ${names.join(', ')}` : 'absent from the target\'s kallsyms'} while ${others.slice(0, 2).join(', ')}${others.length > 2 ? ' and others' : ''} of ${fn.file} are there: GCC inlined it into its callers`);
      } else {
        const o = fn.object;
        const unloaded = o && o.kind !== 'builtin' && t.loaded && !t.loaded.has(o.module.replace(/-/g, '_'));
        notes.push(unloaded
          ? `module ${o.module} is not loaded on the target (no symbol of ${fn.file}): these probes resolve once it is (modprobe ${o.module})`
          : `no function of ${fn.file} is in the target's kallsyms: not built for that kernel, or its module is not loaded; probed as Kbuild says`);
      }
    }
  }
  if (!exact) delete fit.stapNames;
  return { ...fn, ...(object ? { object } : {}), host: { ...fit, ...(notes.length ? { note: notes.join('; ') } : {}) } };
}

/** The header lines about the probed functions: one per function with something to say. */
export function fitNotes(t: TargetFacts, fns: ProbeFunction[]): string[] {
  const said = fns.filter((f) => f.host?.note);
  const symbols = t.source.startsWith('host ') ? `${t.source}'s kallsyms` : t.source;
  if (!said.length) return t.kallsyms ? [`Every probed function is in ${symbols}.`] : [];
  const seen = new Set<string>();
  return [`Checked against ${t.source}${t.source.startsWith('host ') ? '\'s facts' : ''}:`, ...said.filter((f) => !seen.has(f.name) && seen.add(f.name)).map((f) => `  ${f.name}: ${f.host!.note}`)];
}
