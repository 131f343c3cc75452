// Kernel stack traces as people paste them: oops / WARNING / KASAN call traces (dmesg or serial
// console, syzkaller's symbolized reports), `perf script`, bpftrace `kstack`, bcc tool stacks and
// folded stacks. Pure: text in, frames out; never throws, and bounded on huge input.

/** One frame of a stack, innermost first as kernels print them. */
export interface Frame {
  /** Function name without compiler suffixes (`.isra.0`, `.constprop.0`, `.cold`, `.part.N`, `.llvm.N`). */
  fn: string;
  /** The symbol as printed. */
  raw: string;
  /** Offset into the symbol (`+0x1d`, or bpftrace's decimal `+84`). */
  offset?: number;
  /** Symbol size (`/0x30`). */
  size?: number;
  /** Module tag (` [vxlan]`, perf's `([vxlan])` or `(/lib/modules/.../vxlan.ko)`). */
  module?: string;
  /** `? frame`: a return address found on the stack that the unwinder could not vouch for. */
  unreliable: boolean;
  /** syzkaller / decode_stacktrace: the frame was inlined into the next (outer) one. */
  inlined?: boolean;
  /** Source position the trace prints for the frame (tree-relative as the report names it). */
  file?: string;
  line?: number;
  /** 1-based line of the input the frame was read from. */
  lineNo: number;
  /**
   * A register dump (`RIP:`, `pc :`) stands between this frame and the one printed before it: the
   * inner frame is an interrupt or exception entry that interrupted this one, not its callee.
   */
  interrupted?: boolean;
}

export interface ParsedTrace {
  stacks: Frame[][];
  /** Non-empty lines that are not frames: headers, registers, `Code:`, console noise. */
  skippedLines: number;
  /** What was cut short or read in a special way (input too long, lines truncated). */
  notes: string[];
}

/** Only this many input lines are read; a trace is never longer, a whole log may be. */
export const MAX_TRACE_LINES = 20_000;
/** Longer lines are cut: no frame is this long, and it bounds the regular expressions' work. */
export const MAX_LINE_CHARS = 2_000;

// Prefixes in front of the message: syslog / journal (`Jan 12 10:00:00 host kernel: `), bare
// `kernel: `, printk levels (`<4>`), dmesg timestamps (`[  12.345678]`, `dmesg -T`'s
// `[Mon Jan  1 10:00:00 2024]`) and the caller id of CONFIG_PRINTK_CALLER (`[    C1]`, `[ T8978]`).
const SYSLOG = /^(?:[A-Z][a-z]{2} [ \d]\d [\d:]{8}|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-][\d:]+)?) \S+ kernel: ?/;
const KERNEL_TAG = /^kernel: ?/;
const LEVEL = /^<\d>/;
const TIMESTAMP = /^\[ *\d+\.\d+\]/;
const HUMAN_TIMESTAMP = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:]{8} \d{4}\]/;
const CALLER_ID = /^\[ *[CT]\d+\]/;
/** bcc tools printed through Python 3 show each frame as a bytes literal: `b'ip_rcv+0x28f'`. */
const PY_BYTES = /^(\s*)b'(.*)'\s*$/;

const SECTION = /^<\/?[A-Z#][A-Z0-9#]{1,9}>/;
/** A register dump line: the context that follows was interrupted (or faulted) there. */
const REGISTERS = /^(?:RIP|EIP|PC is at|LR is at|pc :|lr :|pstate:|epc :|ra :)/;
/** Lines that start a new stack without ending in a colon. */
const HEADER = /^(?:-+\[ cut here \]-+|={10,}|(?:BUG|WARNING|Oops|Kernel panic|INFO|watchdog|general protection fault|KASAN|UBSAN)\b.*)$/;
/** bpftrace map keys: `@[` or `@name[` opens one stack. */
const BPFTRACE_KEY = /^@\w*\[$/;

const ADDRESS_PREFIX = /^\[<(?:0x)?[0-9a-f]+>\]\s*/i;
/** perf and bcc print the address first; perf drops leading zeros (`20122a`), so short ones need a digit. */
const BARE_ADDRESS = /^(?:0x)?(?:[0-9a-f]{8,16}|(?=[a-f]*\d)[0-9a-f]{1,7})\s+/i;
/** ftrace's ` => name` and nettrace's `-> name+0x1` lead each frame with an arrow. */
const ARROW = /^(?:=>|->)\s*/;
/** perf report's call graph: `- 3.25% name` opens a branch, `3.25% name` or a bare name continues. */
const PERF_BRANCH = /^(?:([-+])\s+)?(?:\d+(?:\.\d+)?%\s+)?/;
const ARM_FROM = /^\(([^()\s]+)\)\s+from\b/;
const SYMBOL = /^([A-Za-z_$][\w$.]*)(?:\+(0x[0-9a-fA-F]+|\d+)(?:\/(0x[0-9a-fA-F]+|\d+))?)?/;
/** bcc `stackcount` of old versions glued the offset to the name: `ip_rcv0x29d`. */
const GLUED_OFFSET = /^(.*[A-Za-z_])0x([0-9a-f]+)$/;
const TAIL_INLINE = /\s*\[inline\]/y;
const TAIL_MODULE = /\s*\[([\w.-]+)(?:\s+[0-9a-f]+)?\]/y;
const TAIL_PAREN = /\s*\(((?:[^()]|\([^()]*\))*)\)/y;
const TAIL_FILE = /\s+([\w./+-]+\.[chS]):(\d+)(?::\d+)?(?: \(discriminator \d+\))?/y;
const FILE_IN_PAREN = /^([\w./+-]+\.[chS]):(\d+)/;
const HEX_ONLY = /^(?:0x)?[0-9a-f]{8,}$/i;
const FOLDED = /^[^\s;]+(?:;[^\s;]+)+(?: \d+)?$/;

export function parseTrace(text: string): ParsedTrace {
  const result: ParsedTrace = { stacks: [], skippedLines: 0, notes: [] };
  if (typeof text !== 'string' || !text) return result;
  let lines = text.split(/\r?\n|\r/);
  if (lines.length > MAX_TRACE_LINES) {
    result.notes.push(`input has ${lines.length} lines; only the first ${MAX_TRACE_LINES} were read`);
    lines = lines.slice(0, MAX_TRACE_LINES);
  }
  let truncated = 0;
  let current: Frame[] = [];
  let interruptPending = false;
  let branches: Array<{ col: number; at: number }> = [];
  const end = () => {
    if (current.length) result.stacks.push(current);
    current = [];
    interruptPending = false;
    branches = [];
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.length > MAX_LINE_CHARS) {
      line = line.slice(0, MAX_LINE_CHARS);
      truncated++;
    }
    let msg = stripPrefixes(line);
    let quoted = false;
    const py = PY_BYTES.exec(msg);
    if (py) {
      msg = py[1] + py[2];
      quoted = true;
    }
    let trimmed = msg.trim();
    if (!trimmed) {
      end();
      continue;
    }
    // `<IRQ>` ... `</IRQ>` and `<TASK>` bracket parts of ONE stack (older kernels print the marker
    // in front of a frame on the same line); they neither end the stack nor count as skipped.
    let marker = false;
    for (let m = SECTION.exec(trimmed); m; m = SECTION.exec(trimmed)) {
      trimmed = trimmed.slice(m[0].length).trim();
      marker = true;
    }
    if (!trimmed) continue;
    let indented = /^\s/.test(msg) || marker;
    const arrow = ARROW.exec(trimmed);
    if (arrow) {
      trimmed = trimmed.slice(arrow[0].length);
      indented = true;
    }
    const lineNo = i + 1;
    if (REGISTERS.test(trimmed)) {
      if (current.length) interruptPending = true;
      result.skippedLines++;
      continue;
    }
    if (FOLDED.test(trimmed) && trimmed.includes(';')) {
      const folded = parseFolded(trimmed, lineNo);
      if (folded.length >= 2) {
        end();
        result.stacks.push(folded);
        continue;
      }
    }
    // perf report: a branch at the column of an earlier branch of this stack is its sibling, so
    // the frames below that branch belong to another stack (that shares the frames above it).
    const branch = indented && !arrow ? PERF_BRANCH.exec(trimmed) : null;
    let branchCol: number | undefined;
    let body = trimmed;
    if (branch && branch[0]) {
      body = trimmed.slice(branch[0].length);
      if (branch[1] === '-' || branch[1] === '+') branchCol = msg.length - msg.trimStart().length;
    }
    const frame = parseFrame(body, lineNo, indented || quoted);
    if (frame && branchCol !== undefined) {
      const sibling = branches.findIndex((b) => b.col >= branchCol!);
      if (sibling >= 0) {
        const keep = current.slice(0, branches[sibling].at);
        end();
        current = keep;
        branches.splice(sibling);
      }
      branches.push({ col: branchCol, at: current.length });
    }
    if (frame) {
      if (interruptPending) frame.interrupted = true;
      interruptPending = false;
      current.push(frame);
      continue;
    }
    result.skippedLines++;
    if (trimmed.endsWith(':') || trimmed.endsWith('<stack trace>') || HEADER.test(trimmed) || BPFTRACE_KEY.test(trimmed)) end();
  }
  end();
  if (truncated) result.notes.push(`${truncated} line${truncated === 1 ? ' was' : 's were'} longer than ${MAX_LINE_CHARS} characters and cut`);
  return result;
}

/** `name`, `name+0x1d/0x30`, `name+84`: the function name without compiler suffixes. */
export function baseName(symbol: string): string {
  const dot = symbol.indexOf('.');
  return dot > 0 ? symbol.slice(0, dot) : symbol;
}

function stripPrefixes(line: string): string {
  let s = line;
  let bracket = false;
  for (let guard = 0; guard < 6; guard++) {
    const m = SYSLOG.exec(s) ?? KERNEL_TAG.exec(s) ?? LEVEL.exec(s) ?? TIMESTAMP.exec(s) ?? HUMAN_TIMESTAMP.exec(s) ?? CALLER_ID.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
    bracket = m[0].endsWith(']');
  }
  // The one space printk puts after the timestamp is not the message's indentation.
  return bracket && s.startsWith(' ') ? s.slice(1) : s;
}

/** One frame line, or undefined when the line is something else. */
function parseFrame(text: string, lineNo: number, indented: boolean): Frame | undefined {
  let s = text;
  let address = false;
  // `[<ffffffff81a2b3c4>] ? ip_rcv+0x54/0x80`, perf's and bcc's `ffffffff81a2b3c4 ip_rcv+0x54`.
  for (let m = ADDRESS_PREFIX.exec(s); m; m = ADDRESS_PREFIX.exec(s)) {
    s = s.slice(m[0].length);
    address = true;
  }
  let unreliable = false;
  if (s.startsWith('? ')) {
    unreliable = true;
    s = s.slice(2).trimStart();
  }
  if (!address) {
    const bare = BARE_ADDRESS.exec(s);
    if (bare) {
      s = s.slice(bare[0].length);
      address = true;
    }
  }
  if (!unreliable && s.startsWith('? ')) {
    unreliable = true;
    s = s.slice(2).trimStart();
  }
  // ARM: `[<c05e3b54>] (ip_rcv+0x0/0x3e0) from [<c05a1234>] (__netif_receive_skb_core+0x..)`.
  const arm = ARM_FROM.exec(s);
  if (arm) s = arm[1];
  const sym = SYMBOL.exec(s);
  if (!sym) return undefined;
  let raw = sym[1];
  if (HEX_ONLY.test(raw) || raw === 'Code' || raw.startsWith('.')) return undefined;
  const frame: Frame = { fn: '', raw, unreliable, lineNo };
  if (sym[2] !== undefined) frame.offset = num(sym[2]);
  if (sym[3] !== undefined) frame.size = num(sym[3]);
  let pos = sym[0].length;
  let fileSeen = false;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    let m: RegExpExecArray | null;
    if ((m = at(TAIL_INLINE, s, pos))) {
      frame.inlined = true;
    } else if ((m = at(TAIL_MODULE, s, pos))) {
      if (m[1] !== 'unknown' && m[1] !== 'kernel.kallsyms') frame.module = m[1];
    } else if ((m = at(TAIL_PAREN, s, pos))) {
      const inner = m[1].trim();
      const file = FILE_IN_PAREN.exec(inner);
      if (file) {
        frame.file = file[1];
        frame.line = Number(file[2]);
        fileSeen = true;
      } else {
        // perf's `([kernel.kallsyms])` or `(/lib/modules/.../vxlan.ko)`; anything else is not a frame.
        const mod = moduleOf(inner);
        if (mod === undefined) return undefined;
        if (mod) frame.module = mod;
      }
    } else if ((m = at(TAIL_FILE, s, pos))) {
      frame.file = m[1];
      frame.line = Number(m[2]);
      fileSeen = true;
    } else {
      return undefined;
    }
    pos += m[0].length;
  }
  if (sym[2] === undefined && !fileSeen && !address) {
    // A bare name is a frame only where tools print bare names: indented, alone on its line.
    if (!indented || !/[a-z]/.test(raw)) return undefined;
    const glued = GLUED_OFFSET.exec(raw);
    if (glued && !raw.includes('.')) {
      raw = frame.raw = glued[1];
      frame.offset = parseInt(glued[2], 16);
    }
  }
  frame.fn = baseName(raw);
  if (!/^[A-Za-z_]\w*$/.test(frame.fn)) return undefined;
  return frame;
}

/** `a;b;c 12`: one folded stack, outermost first; process names and `--` separators are left out. */
function parseFolded(text: string, lineNo: number): Frame[] {
  const body = text.replace(/ \d+$/, '');
  const frames: Frame[] = [];
  for (const part of body.split(';')) {
    const name = part.replace(/_\[[kjwi]\]$/, '');
    const sym = SYMBOL.exec(name);
    if (!sym || sym[0].length !== name.length || HEX_ONLY.test(sym[1])) continue;
    const f: Frame = { fn: baseName(sym[1]), raw: sym[1], unreliable: false, lineNo };
    if (sym[2] !== undefined) f.offset = num(sym[2]);
    if (sym[3] !== undefined) f.size = num(sym[3]);
    if (/^[A-Za-z_]\w*$/.test(f.fn)) frames.push(f);
  }
  return frames.reverse();
}

/**
 * What a perf `(...)` after a symbol names: '' for the kernel image, a module name, or undefined
 * when it is not a kernel object (a shared library, a JIT map: user-space frames are left out).
 */
function moduleOf(inner: string): string | undefined {
  const bracket = /^\[([\w.-]+)\]$/.exec(inner);
  if (bracket) return /^(?:kernel\.kallsyms|kernel\.vmlinux|unknown)$/.test(bracket[1]) ? '' : bracket[1];
  const ko = /\/([\w-]+)\.ko(?:\.[gx]z|\.zst)?$/.exec(inner);
  if (ko) return ko[1];
  return /vmlinux|kallsyms/.test(inner) ? '' : undefined;
}

function at(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

function num(s: string): number {
  return s.startsWith('0x') || s.startsWith('0X') ? parseInt(s, 16) : Number(s);
}
