// Which user-visible statistics a driver's private counter feeds: its ndo_get_stats64-style
// function copies `p->rx_errors` (through a local sum or directly) into `stats->rx_errors` and
// `stats->rx_dropped`. Pure: works on one function's tree, with the function's typed variables.
import type { Node } from 'web-tree-sitter';
import { walk } from './source-parser';

/** [private field, reported field] pairs: `stats->A = ... p->F ...` where p is a `struct`, stats a `statsStruct`. */
export function statsAliases(fn: Node, vars: Record<string, string>, struct: string, statsStruct: string): Array<[string, string]> {
  const reads = (n: Node): string[] => {
    const out: string[] = [];
    walk(n, (c) => {
      if (c.type !== 'field_expression') return;
      const arg = c.childForFieldName('argument');
      const field = c.childForFieldName('field');
      if (arg?.type === 'identifier' && vars[arg.text] === struct && field) out.push(field.text);
    });
    return out;
  };
  const locals = new Map<string, Set<string>>();
  const stores: Array<{ target: string; value: Node }> = [];
  walk(fn, (n) => {
    if (n.type !== 'assignment_expression' && n.type !== 'init_declarator') return;
    const left = n.childForFieldName(n.type === 'init_declarator' ? 'declarator' : 'left');
    const right = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
    if (!left || !right) return;
    if (left.type === 'identifier') {
      const set = locals.get(left.text) ?? new Set<string>();
      for (const f of reads(right)) set.add(f);
      locals.set(left.text, set);
    } else if (left.type === 'field_expression') {
      const arg = left.childForFieldName('argument');
      const field = left.childForFieldName('field');
      if (arg?.type === 'identifier' && vars[arg.text] === statsStruct && field) stores.push({ target: field.text, value: right });
    }
  });
  const out: Array<[string, string]> = [];
  for (const s of stores) {
    const from = new Set(reads(s.value));
    walk(s.value, (c) => {
      if (c.type === 'identifier') for (const f of locals.get(c.text) ?? []) from.add(f);
    });
    for (const f of from) out.push([f, s.target]);
  }
  return out;
}
