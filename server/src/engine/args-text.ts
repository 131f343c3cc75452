// Split the text of an argument_list node, "(a, f(b, c), "x,y")", into its top-level
// arguments. The tree already delimits the list; this only finds the top-level commas,
// skipping nested brackets, string and character literals, and comments. It is cheaper than
// asking wasm for every argument node, and extraction runs over every call in the tree.

export interface ArgText { text: string; offset: number }

/**
 * Arguments of the list whose `(` is at `open` in `list` (default: the start). Offsets are
 * absolute in `list`. Stops at the `)` that closes the list.
 */
export function splitArgs(list: string, open = 0): ArgText[] {
  const out: ArgText[] = [];
  if (list[open] !== '(') return out;
  let depth = 0;
  let start = open + 1;
  // Bounded: an unclosed list (error recovery) must not make every call scan to EOF.
  let end = Math.min(list.length, open + 16384);
  const push = (from: number, to: number) => {
    const raw = list.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text) out.push({ text, offset: from + lead });
  };
  for (let i = open + 1; i < end; i++) {
    const ch = list[i];
    if (ch === '"' || ch === "'") {
      for (i++; i < end && list[i] !== ch; i++) if (list[i] === '\\') i++;
    } else if (ch === '/' && list[i + 1] === '*') {
      const close = list.indexOf('*/', i + 2);
      i = close < 0 ? end : close + 1;
    } else if (ch === '/' && list[i + 1] === '/') {
      const nl = list.indexOf('\n', i);
      i = nl < 0 ? end : nl;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) {
        end = i;
        break;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      push(start, i);
      start = i + 1;
    }
  }
  push(start, end);
  return out;
}
