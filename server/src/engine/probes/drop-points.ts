// Where each drop site of a function is counted. A `goto drop;` line has no code of its own, so
// a statement probe on it fails the whole script at pass 2 ("no line records"). In order:
// with the build's line table, the goto line or a line of its branch that has a statement
// record (they run only on the way to that goto); the drop label, told apart by the reason
// variable its code reads (`$drop_reason == 3`); the guarding condition's line, which counts
// every test of the condition; and last the label's arrivals, shared with the other gotos.
import { nearestRecorded, type LineTable } from './line-table';
import { labelPoints, statementPoints } from './points';
import type { ReasonTable, ScriptSite } from './stap-script';
import type { DropSiteInput, ProbeFunction } from './types';

export interface DropPlacement {
  sites: ScriptSite[];
  /** One header line per drop site: the probe point chosen and why. */
  methods: string[];
}

const REASON_PREFIX = 'SKB_DROP_REASON_';

function base(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function describeSite(s: DropSiteInput): string {
  const why = [s.reason ? `reason ${s.reason}` : '', s.counters?.length ? `counts ${s.counters.join(', ')}` : '', s.condition ? `when ${s.condition}` : ''].filter(Boolean).join('; ');
  return `Drop site (${s.kind}) at ${s.file}:${s.line}${s.label ? `, to label ${s.label}${s.labelLine ? ` at line ${s.labelLine}` : ''}` : ''}${why ? `: ${why}` : ''}.`;
}

/** `only`: place the site on that line alone (line mode), still telling it apart from the others. */
export function placeDropSites(fn: ProbeFunction, mine: DropSiteInput[], reasons: ReasonTable | undefined, table: LineTable | undefined, only?: number): DropPlacement {
  const sites: ScriptSite[] = [];
  const methods: string[] = [];
  const f = base(fn.file);
  const obj = table ? base(table.object) : '';
  const recorded = (n: number) => !!table?.lines.has(n);
  const valueOf = (reason: string | null | undefined) => (reason && reasons ? reasons.names.indexOf(reason.replace(REASON_PREFIX, '')) : -1);
  const keyOf = (s: DropSiteInput) => `${s.label}\0${s.reason}`;
  const shared = new Map<string, DropSiteInput[]>();
  for (const s of mine) if (s.kind === 'goto' && s.reasonVariable && valueOf(s.reason) >= 0) shared.set(keyOf(s), [...(shared.get(keyOf(s)) ?? []), s]);
  const grouped = new Set<string>();
  // Where a label's statement probe goes when the build keeps no DWARF label (points.ts): the
  // lines from the label to its statement, or with the line table the first of them that has a
  // record (none: the label point alone, as before).
  const labelAt = (s: Pick<DropSiteInput, 'labelLine' | 'labelBodyLine'>) => {
    if (s.labelLine === undefined || s.labelBodyLine === undefined) return undefined;
    if (!table) return { line: s.labelLine, bodyLine: s.labelBodyLine };
    for (let n = s.labelLine; n <= s.labelBodyLine; n++) if (recorded(n)) return { line: n, bodyLine: n };
    return undefined;
  };
  const statement = (s: DropSiteInput, line: number, what: string, why: string) => {
    sites.push({ label: `${f}:${s.line} ${what}${line !== s.line ? ` (at :${line})` : ''}`, points: statementPoints(fn, line, { unchecked: !table }), comment: `${describeSite(s)}\n${why}` });
    methods.push(`  ${f}:${s.line} ${what}: statement at line ${line}: ${why}`);
  };

  for (const s of mine) {
    if (only !== undefined && s.line !== only) continue;
    const what = s.kind === 'goto' ? `goto ${s.label ?? '?'}` : s.kind;
    if (s.kind !== 'goto') {
      if (!table) statement(s, s.line, what, 'a call or an increment, which has code of its own (not checked: no --debuginfo; optional, so a build that merged the line away leaves it uncounted instead of failing the script).');
      else if (recorded(s.line)) statement(s, s.line, what, `the line has a statement record in ${obj}.`);
      else {
        const near = nearestRecorded(table, fn, s.line);
        if (near !== undefined) statement(s, near, what, `line ${s.line} has no statement record in ${obj} (inlined or merged); ${near} is the nearest line that has one.`);
        else methods.push(`  ${f}:${s.line} ${what}: not probed: no line of ${fn.name} has a statement record in ${obj}.`);
      }
      continue;
    }
    if (recorded(s.line)) {
      statement(s, s.line, what, `the goto line has a statement record in ${obj}.`);
      continue;
    }
    if (table && s.branchLine !== undefined) {
      let b = s.line - 1;
      while (b >= s.branchLine && !recorded(b)) b--;
      if (b >= s.branchLine) {
        statement(s, b, what, `the goto line has no statement record in ${obj}; line ${b} of its branch has one and runs only on the way to this goto.`);
        continue;
      }
    }
    const value = valueOf(s.reason);
    const same = shared.get(keyOf(s));
    if (s.label && s.reasonVariable && same) {
      // The DWARF may not locate the variable at every address of the label (6.12.117's
      // __udp4_lib_rcv: "$drop_reason not accessible at this address" at one of them), which
      // fails the whole script at pass 2; @defined makes the test false there instead.
      const test = `$${s.reasonVariable} == ${value}`;
      const when = `@defined($${s.reasonVariable}) && ${test}`;
      const reason = s.reason!.replace(REASON_PREFIX, '');
      const fallsIn = s.labelFallsInto ? ` Code before ${s.label}: also runs into it, and is counted here when it carries the same reason.` : '';
      if (same.length === 1) {
        sites.push({ label: `${f}:${s.line} ${what} (${reason})`, points: labelPoints(fn, s.label, labelAt(s)), when, comment: `${describeSite(s)}\nCounted at label ${s.label}, where ${s.reasonVariable} tells its gotos apart.${fallsIn}` });
        methods.push(`  ${f}:${s.line} ${what}: label ${s.label} where ${test} (${reason}): no line of its own to probe${table ? ` in ${obj}` : ' without --debuginfo'}, and no other goto to ${s.label} sets ${reason}.${fallsIn}`);
      } else {
        const lines = same.map((x) => x.line).join(',');
        if (!grouped.has(keyOf(s))) {
          grouped.add(keyOf(s));
          sites.push({ label: `${f}:${lines} ${what} (${reason})`, points: labelPoints(fn, s.label, labelAt(s)), when, comment: `${same.map(describeSite).join('\n')}\nCounted together at label ${s.label}: they set the same reason.${fallsIn}` });
        }
        methods.push(`  ${f}:${s.line} ${what}: label ${s.label} where ${test} (${reason}), together with line${same.length > 2 ? 's' : ''} ${same.filter((x) => x !== s).map((x) => x.line).join(', ')}, which set the same reason; ${table ? `none of their lines has a statement record in ${obj}` : 'their condition lines may have no line record (pass --debuginfo DIR to check and split them)'}.${fallsIn}`);
      }
      continue;
    }
    if (s.conditionLine !== undefined) {
      let c: number | undefined = s.conditionLine;
      if (table) {
        const last = Math.max(s.conditionLine, (s.branchLine ?? s.line) - 1);
        while (c <= last && !recorded(c)) c++;
        if (c > last) c = undefined;
      }
      if (c !== undefined) {
        statement(s, c, what, `the guarding condition (${s.condition}) at line ${c}: it counts every test of the condition, a drop only when it holds; ${s.label} cannot tell its gotos apart (no reason variable)${table ? ` and the goto's branch has no statement record in ${obj}` : ''}.`);
        continue;
      }
    }
    methods.push(`  ${f}:${s.line} ${what}: counted only among the arrivals at label ${s.label}: neither its branch nor its condition has a statement record${table ? ` in ${obj}` : ''}.`);
  }
  // Every arrival at each drop label, from any goto or by falling through.
  const labels = new Map<string, DropSiteInput>();
  for (const s of mine) if (s.kind === 'goto' && s.label && !labels.has(s.label) && (only === undefined || s.line === only)) labels.set(s.label, s);
  for (const [label, s] of labels) {
    const line = s.labelLine;
    sites.push({ label: `label ${label}${line ? ` (${f}:${line})` : ''}`, points: labelPoints(fn, label, labelAt(s)), comment: `Every arrival at ${label}:, from any goto or by falling through.` });
  }
  return { sites, methods };
}
