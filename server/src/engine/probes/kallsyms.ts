// Which probed functions the running kernel actually has, from its /proc/kallsyms: a function
// the compiler inlined everywhere, or whose object is not built, has no symbol, and its
// function probes will not resolve. Pure: text in, verdicts out.

/** Base name (`ip_rcv_finish`) -> the text symbols for it, with the module in brackets when not built in. */
export type KallsymsTable = Map<string, string[]>;

/** Text symbols only (t/T); `f.isra.0`, `f.constprop.0`, `f.part.0`, `f.cold` are filed under `f`. */
export function parseKallsyms(text: string): KallsymsTable {
  const out: KallsymsTable = new Map();
  for (const line of text.split('\n')) {
    const m = /^[0-9a-fA-F]+\s+([tT])\s+(\S+)(?:\s+\[(\S+)\])?/.exec(line);
    if (!m) continue;
    const sym = m[2];
    const base = sym.split('.')[0];
    const entry = m[3] ? `${sym} [${m[3]}]` : sym;
    const list = out.get(base);
    if (list) list.push(entry);
    else out.set(base, [entry]);
  }
  return out;
}

export type Presence = 'present' | 'clones-only' | 'absent';

export interface SymbolCheck {
  name: string;
  presence: Presence;
  /** The symbols found, e.g. ["ip_rcv_finish", "ip_rcv_finish.isra.0"]. */
  symbols: string[];
}

export function checkSymbol(table: KallsymsTable, name: string): SymbolCheck {
  const symbols = table.get(name) ?? [];
  const exact = symbols.some((s) => s === name || s.startsWith(`${name} [`));
  return { name, presence: exact ? 'present' : symbols.length ? 'clones-only' : 'absent', symbols };
}
