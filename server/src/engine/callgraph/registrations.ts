// Registration helpers, found generically: summarise which parameter of each function ends
// up stored into which field, directly (`napi->poll = poll`, `rcu_assign_pointer(dev->rx_handler,
// rx_handler)`) or by passing it on to another helper (`netif_napi_add` -> `netif_napi_add_weight`).
// Every function passed at such a position then flows into that field.
import type { FileFacts } from '../types';
import type { CallGraph } from './graph';
import { functionArgument } from './types-of';

export interface Registration { fn: number; field: string; struct?: string }

type Stores = Map<number, Map<number, Set<string>>>;

function addStore(stores: Stores, fn: number, param: number, key: string): boolean {
  let byParam = stores.get(fn);
  if (!byParam) stores.set(fn, (byParam = new Map()));
  let keys = byParam.get(param);
  if (!keys) byParam.set(param, (keys = new Set()));
  if (keys.has(key)) return false;
  keys.add(key);
  return true;
}

export function summariseRegistrations(g: CallGraph, files: Iterable<FileFacts>, fileIds: Map<string, number[]>): Registration[] {
  const stores: Stores = new Map();
  const passes: Array<{ from: number; param: number; callees: number[]; argPos: number }> = [];
  for (const f of files) {
    const ids = fileIds.get(f.path)!;
    for (const a of f.addressTaken) {
      if (!a.param || a.fn < 0) continue;
      const fn = ids[a.fn];
      const param = g.nodes[fn].params?.indexOf(a.name) ?? -1;
      if (param < 0) continue;
      if (a.ctx === 'assign' && a.field) {
        const struct = a.target ? g.typeOf(a.target, fn) : undefined;
        addStore(stores, fn, param, `${struct ?? ''}\0${a.field}`);
      } else if (a.ctx === 'arg' && a.callee && a.argPos !== undefined) {
        passes.push({ from: fn, param, callees: g.resolveName(a.callee, f.path), argPos: a.argPos });
      }
    }
  }
  // Wrappers of wrappers: propagate until nothing changes (bounded; chains are short).
  for (let round = 0; round < 12; round++) {
    let changed = false;
    for (const p of passes) {
      for (const callee of p.callees) {
        for (const key of stores.get(callee)?.get(p.argPos) ?? []) changed = addStore(stores, p.from, p.param, key) || changed;
      }
    }
    if (!changed) break;
  }
  const out: Registration[] = [];
  for (const f of files) {
    // A dispatch macro that is an inline function (NF_HOOK) registers like a call: its okfn goes
    // on to nf_hook -> nf_hook_state_init -> `p->okfn = okfn`.
    for (const m of f.macroCalls) {
      for (const helper of g.resolveName(m.macro, f.path)) {
        const byParam = stores.get(helper);
        if (!byParam) continue;
        m.args.forEach((arg, pos) => {
          const name = functionArgument(arg);
          if (!name) return;
          for (const key of byParam.get(pos) ?? []) {
            const [struct, field] = key.split('\0');
            for (const fn of g.resolveName(name, f.path)) out.push({ fn, field, ...(struct ? { struct } : {}) });
          }
        });
      }
    }
    for (const a of f.addressTaken) {
      if (a.ctx !== 'arg' || a.param || !a.callee || a.argPos === undefined) continue;
      let fns: number[] | undefined;
      for (const helper of g.resolveName(a.callee, f.path)) {
        for (const key of stores.get(helper)?.get(a.argPos) ?? []) {
          fns ??= g.valueFunctions(a, f.path);
          const [struct, field] = key.split('\0');
          for (const fn of fns) out.push({ fn, field, ...(struct ? { struct } : {}) });
        }
      }
    }
  }
  return out;
}
