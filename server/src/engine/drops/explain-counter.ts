// "What does this counter mean, why does it rise, where, and what do I run next": one counter of
// the tree's counter map explained from the tree itself. The meaning comes from
// Documentation/networking/snmp_counter.rst (by nstat name) and the MIB definition's line; the
// drop reasons from the code at its increment sites (a reason stored in the same block as the
// increment, as __udp_queue_rcv_skb does beside RcvbufErrors, and the reasons of drop sites that
// count it); the sites from the drop engine; the next steps are commands of this tool.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { bareName, counterTitle, familyOf, nstatName } from '../../../../shared/counter-names';
import type { CounterExplanation } from '../../../../shared/counter-explanation';
import { possibleReasons } from '../../../../shared/drop-reason-text';
import type { DropEngine } from './engine';
import { walk } from './source-parser';
import type { CounterEntry, CounterSite } from './types';

export type { CounterExplanation };

const DOC = 'Documentation/networking/snmp_counter.rst';

/**
 * Explains the counter `query` names, in any form the engine's resolveCounter takes (the same
 * names counter-sites takes); an ambiguous or unknown name throws UnknownCounterError naming the candidates.
 */
export async function explainCounter(engine: DropEngine, query: string): Promise<CounterExplanation> {
  const { named: best, entry: e, also } = await engine.resolveCounter(query);
  const counterSites = await engine.counterSites(best.key);
  const sites = counterSites.sites;
  const reasons = await reasonsOf(engine, e, sites);
  const nstat = nstatName(best);
  const doc = docSection(engine.index.root, [nstat, e.name, bareName(best)].filter((x): x is string => !!x));
  const top = sites[0];
  const next = [
    ...(top ? [`netpath probe ${top.function} --drops --format bpftrace`, `netpath probe ${top.function} --drops`, `netpath drops ${top.function}`] : []),
    `netpath counters --host <host>   (watch ${nstat ?? e.name} rise, then open its sites)`,
  ];
  return {
    key: best.key, title: counterTitle(best), family: familyOf(best), file: e.file,
    ...(nstat ? { nstat } : {}), ...(e.mib ? { mib: e.mib } : {}), ...(doc ? { doc } : {}),
    ...(definitionLine(engine.index.root, e) ?? {}),
    reasons, sites, next, twins: also,
  };
}

/** The section of snmp_counter.rst headed `* Name` (or `* A and B`, `* A, B`) naming one of `names`. */
function docSection(root: string, names: string[]): CounterExplanation['doc'] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, DOC), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^\* (.+)$/.exec(lines[i]);
    if (!head) continue;
    const heads = head[1].split(/,\s*|\s+and\s+/).map((s) => s.trim());
    if (!heads.some((h) => names.includes(h))) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (/^\* /.test(l) || /^[=-]{4,}\s*$/.test(lines[j + 1] ?? '') || /^[=-]{4,}\s*$/.test(l)) break;
      if (/^\.\. _/.test(l)) continue; // link targets
      body.push(l);
    }
    const out = body.join('\n').replace(/`([^`<]+?)`_/g, '$1').trim();
    if (out) return { file: DOC, line: i + 1, text: out };
  }
  return undefined;
}

/** The line of the tree that maps the counter (`SNMP_MIB_ITEM("RcvbufErrors", UDP_MIB_RCVBUFERRORS)`). */
function definitionLine(root: string, e: CounterEntry): { definition: NonNullable<CounterExplanation['definition']> } | undefined {
  try {
    const line = fs.readFileSync(path.join(root, e.source.file), 'utf8').split('\n')[e.source.line - 1];
    return line === undefined ? undefined : { definition: { file: e.source.file, line: e.source.line, text: line.trim() } };
  } catch {
    return undefined;
  }
}

/**
 * Reasons that go with the counter: a reason constant stored in the innermost block around an
 * increment site (`UDP_INC_STATS(..., UDP_MIB_RCVBUFERRORS, ...); drop_reason =
 * SKB_DROP_REASON_SOCKET_RCVBUFF;`), else the reasons of the drop sites of that function that
 * count it (a goto to `csum_error:` that bumps InCsumErrors).
 */
async function reasonsOf(engine: DropEngine, e: CounterEntry, sites: CounterSite[]): Promise<CounterExplanation['reasons']> {
  const texts = engine.reasons();
  const found = new Map<string, Set<string>>();
  const add = (reason: string, where: string) => {
    let set = found.get(reason);
    if (!set) found.set(reason, (set = new Set()));
    set.add(where);
  };
  for (const s of sites) {
    const beside = await engine.withSource(s.file, ({ root }) => reasonsBeside(root, s.line, engine.k.reasonPrefix));
    for (const r of beside ?? []) add(r, `${s.file}:${s.line}`);
    if (beside?.length) continue;
    for (const d of await engine.sites(s.function)) {
      if (d.file !== s.file || !d.counters.includes(e.name)) continue;
      for (const r of possibleReasons(d)) add(r, `${d.file}:${d.line}`);
    }
  }
  return [...found].map(([name, where]) => ({ name, ...(texts.has(name) ? { text: texts.get(name) } : {}), sites: [...where].sort() }));
}

/** Reason constants assigned in the innermost block holding `line` (1-based) of the function there. */
export function reasonsBeside(root: Node, line: number, prefix: string): string[] {
  const fn = enclosingFunction(root, line);
  if (!fn) return [];
  let block: Node | undefined;
  walk(fn, (n) => {
    if (n.type === 'compound_statement' && n.startPosition.row + 1 <= line && line <= n.endPosition.row + 1) block = n;
  });
  if (!block) return [];
  const out = new Set<string>();
  for (const stmt of block.namedChildren) {
    if (!stmt || stmt.type !== 'expression_statement') continue;
    const x = stmt.namedChildren[0];
    if (x?.type !== 'assignment_expression') continue;
    const right = x.childForFieldName('right');
    if (right?.type === 'identifier' && right.text.startsWith(prefix)) out.add(right.text);
  }
  return [...out];
}

/** The function definition that spans `line`. */
function enclosingFunction(root: Node, line: number): Node | undefined {
  let found: Node | undefined;
  walk(root, (n) => {
    if (found) return false;
    if (n.startPosition.row + 1 > line || n.endPosition.row + 1 < line) return false;
    if (n.type === 'function_definition') {
      found = n;
      return false;
    }
    return true;
  });
  return found;
}
