// Struct types of receiver expressions, from declarations the index holds: a function's
// parameters and locals (`struct packet_type *pt_prev`), struct field types
// (`sk_buff.dev` is `struct net_device *`), and return types of called functions
// (`skb_dst(skb)` returns `struct dst_entry *`).
import type { FileFacts } from '../types';
import { flat } from '../codec';

/**
 * struct name -> field name -> struct name the field is (or points to). The entry under the
 * empty name (no struct is called that) holds file-scope variables of struct type, so
 * `subflow_specific.conn_request` has a receiver type too.
 */
export type FieldTypes = Map<string, Map<string, string>>;
export const GLOBALS = '';
/** Likewise under '()': function-like macros that cast to a struct (`udp_sk(ptr)` -> udp_sock). */
export const MACRO_RETURNS = '()';

const STRUCT_TYPE = /^(?:const\s+|volatile\s+)*(?:struct|union)\s+([A-Za-z_]\w*)/;

export function fieldTypes(files: Iterable<FileFacts>): FieldTypes {
  const out: FieldTypes = new Map();
  for (const f of files) {
    for (const s of f.structs) {
      let m = out.get(s.name);
      for (const fd of s.fields) {
        const t = STRUCT_TYPE.exec(fd.type)?.[1];
        if (!t || fd.fnPtr) continue;
        if (!m) out.set(flat(s.name), (m = new Map()));
        // Flat copies: the graph keeps these, and a slice would keep the file's stored text.
        if (!m.has(fd.name)) m.set(flat(fd.name), flat(t));
      }
    }
    for (const d of f.defs) {
      if ((d.kind !== 'variable' && d.kind !== 'macro') || !d.type) continue;
      const key = d.kind === 'macro' ? MACRO_RETURNS : GLOBALS;
      let g = out.get(key);
      if (!g) out.set(key, (g = new Map()));
      if (!g.has(d.name)) g.set(flat(d.name), flat(d.type));
    }
  }
  return out;
}

/** Struct a function returns (a pointer to), from its signature. */
export function returnStruct(signature: string, name: string): string | undefined {
  const head = signature.slice(0, signature.indexOf(`${name}(`) >= 0 ? signature.indexOf(`${name}(`) : signature.length);
  const m = /(?:struct|union)\s+([A-Za-z_]\w*)\s*\*+\s*$/.exec(head.trim());
  return m?.[1];
}

/**
 * Struct type of an expression such as `skb->dev->netdev_ops`, `vlan->tap`, `(*pskb)`,
 * `skb_dst(skb)`; undefined when a step is unknown.
 */
export function typeOfExpr(
  expr: string,
  vars: Record<string, string> | undefined,
  fields: FieldTypes,
  returns: (fn: string) => string | undefined,
): string | undefined {
  let text = expr.trim();
  // `(*pskb)`, `&x`, casts and parentheses around the whole expression carry no field step.
  text = text.replace(/^&\s*/, '').replace(/^\(\s*\*\s*([A-Za-z_]\w*)\s*\)/, '$1');
  const steps = splitSteps(text);
  if (!steps) return undefined;
  let type: string | undefined;
  const [head, ...rest] = steps;
  const call = /^([A-Za-z_]\w*)\s*\(.*\)$/s.exec(head);
  if (call) type = returns(call[1]) ?? fields.get(MACRO_RETURNS)?.get(call[1]);
  else if (/^[A-Za-z_]\w*$/.test(head)) type = vars?.[head] ?? fields.get(GLOBALS)?.get(head);
  for (const step of rest) {
    if (!type) return undefined;
    const name = step.replace(/\[.*\]$/s, '');
    type = fields.get(type)?.get(name);
  }
  return type;
}

/** `a->b.c[i]->d` -> ['a', 'b', 'c[i]', 'd'], splitting only at top level; undefined if odd. */
function splitSteps(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && (c === '.' || (c === '-' && text[i + 1] === '>'))) {
      out.push(text.slice(start, i).trim());
      if (c === '-') i++;
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.every((s) => s.length > 0) ? out : undefined;
}

/**
 * The function a dispatch macro's argument text names (`ip_rcv_finish`, `&fn`), or undefined:
 * macro arguments are kept as text, and lower-case identifiers are the ones that can be functions.
 */
export function functionArgument(arg: string): string | undefined {
  return /^&?\s*([a-z_]\w*)$/.exec(arg.trim())?.[1];
}
