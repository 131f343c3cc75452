// `#if A / if (x) { / #else / if (y) { / #endif` opens one brace in each branch; parsed
// together the function body never closes and tree-sitter turns the whole function into
// an ERROR. Like ctags, keep the first branch of such a group and blank the others
// (spaces, newlines kept, so offsets and lines stay exact). Groups whose branches are
// balanced are left alone: their code stays indexed.

interface Branch { startLine: number; endLine: number } // [start, end) lines, directive lines excluded
interface Group { branches: Branch[]; directiveLines: number[] }

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b/;

export function blankUnbalancedBranches(text: string): string {
  if (!text.includes('#else') && !text.includes('#elif')) return text;
  const lineStart = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStart.push(i + 1);
  const depthAt = braceDepthAtLines(text, lineStart);
  const blank: Array<[number, number]> = []; // line ranges [from, to) to blank
  const stack: Group[] = [];
  for (let ln = 0; ln < lineStart.length; ln++) {
    const end = ln + 1 < lineStart.length ? lineStart[ln + 1] : text.length;
    const m = DIRECTIVE.exec(text.slice(lineStart[ln], Math.min(end, lineStart[ln] + 40)));
    if (!m) continue;
    const kind = m[1];
    if (kind.startsWith('if')) {
      stack.push({ branches: [{ startLine: ln + 1, endLine: -1 }], directiveLines: [ln] });
    } else if (stack.length) {
      const g = stack[stack.length - 1];
      g.branches[g.branches.length - 1].endLine = ln;
      g.directiveLines.push(ln);
      if (kind === 'endif') {
        stack.pop();
        const unbalanced = g.branches.some((b) => depthAt[b.endLine] - depthAt[b.startLine] !== 0);
        if (unbalanced && g.branches.length > 1) blank.push([g.directiveLines[1], ln]);
      } else {
        g.branches.push({ startLine: ln + 1, endLine: -1 });
      }
    }
  }
  if (blank.length === 0) return text;
  blank.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [from, to] of blank) {
    const s = lineStart[from];
    const e = lineStart[to];
    if (s < pos) continue; // nested inside a range already blanked
    out += text.slice(pos, s) + text.slice(s, e).replace(/[^\n\r]/g, ' ');
    pos = e;
  }
  return out + text.slice(pos);
}

/** Cumulative `{` minus `}` at the start of each line, outside comments, strings and char literals. */
function braceDepthAtLines(text: string, lineStart: number[]): Int32Array {
  const out = new Int32Array(lineStart.length + 1);
  let depth = 0;
  let line = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      out[++line] = depth;
    } else if (c === 123) depth++;
    else if (c === 125) depth--;
    else if (c === 47 && text.charCodeAt(i + 1) === 42) { // /* */
      const close = text.indexOf('*/', i + 2);
      const stop = close < 0 ? text.length : close + 2;
      for (let j = text.indexOf('\n', i); j >= 0 && j < stop; j = text.indexOf('\n', j + 1)) out[++line] = depth;
      i = stop - 1;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) { // line comment
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
    } else if (c === 34 || c === 39) { // "..." or '...' on one line
      for (i++; i < text.length && text.charCodeAt(i) !== c && text.charCodeAt(i) !== 10; i++) if (text.charCodeAt(i) === 92) i++;
      if (text.charCodeAt(i) === 10) i--;
    }
  }
  for (let l = line + 1; l < out.length; l++) out[l] = depth;
  return out;
}
