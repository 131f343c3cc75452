// The exact source line of a freeing location, from the host kernel's debuginfo (a vmlinux with
// DWARF, e.g. Debian's linux-image-*-dbg) on the machine that runs netpath: the symbol's address
// from `nm -n` plus the offset, minus one (the location is the return address after the call to
// the free), through `addr2line -f -i -a`, which lists the inlined frames innermost first. The
// tools run with argument arrays, never a shell. A vmlinux of another kernel is detected: the
// size `%pS` printed must equal the distance to the next symbol in this vmlinux.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SourceFrame { function: string; file: string; line: number }

export interface ExactLine {
  /** Innermost first: the function the free call is written in, then the ones it is inlined into. */
  frames: SourceFrame[];
}

interface Sym { addr: bigint; size: bigint }

export class DebugInfo {
  private symbols: Promise<Map<string, Sym[]>> | undefined;
  private readonly memo = new Map<string, Promise<ExactLine | { problem: string }>>();

  constructor(readonly vmlinux: string) {}

  /** Text symbols: name -> address and size (to the next symbol, as kallsyms computes it). */
  private load(): Promise<Map<string, Sym[]>> {
    return (this.symbols ??= (async () => {
      let out: string;
      try {
        out = (await run('nm', ['-n', '--defined-only', this.vmlinux], { maxBuffer: 256 << 20 })).stdout;
      } catch (e) {
        throw new Error(`cannot read the symbols of ${this.vmlinux} with nm (binutils): ${(e as Error).message.split('\n')[0]}`, { cause: e });
      }
      const rows: { addr: bigint; type: string; name: string }[] = [];
      for (const l of out.split('\n')) {
        const m = /^([0-9a-f]{16}) (\w) (\S+)/.exec(l);
        if (m) rows.push({ addr: BigInt(`0x${m[1]}`), type: m[2], name: m[3] });
      }
      const map = new Map<string, Sym[]>();
      for (let i = 0; i < rows.length; i++) {
        if (!/[tT]/.test(rows[i].type)) continue;
        let j = i + 1;
        while (j < rows.length && rows[j].addr === rows[i].addr) j++;
        const size = j < rows.length ? rows[j].addr - rows[i].addr : 0n;
        const list = map.get(rows[i].name) ?? [];
        list.push({ addr: rows[i].addr, size });
        map.set(rows[i].name, list);
      }
      if (!map.size) throw new Error(`${this.vmlinux} has no text symbols: not a vmlinux`);
      return map;
    })());
  }

  /** The frames at `fn+offset` (size as printed, to pick among same-named statics and to check the build). */
  locate(fn: string, offset: number, size?: number): Promise<ExactLine | { problem: string }> {
    const key = `${fn}+${offset}/${size ?? ''}`;
    let p = this.memo.get(key);
    if (!p) this.memo.set(key, (p = this.resolve(fn, offset, size)));
    return p;
  }

  private async resolve(fn: string, offset: number, size?: number): Promise<ExactLine | { problem: string }> {
    const syms = (await this.load()).get(fn) ?? [];
    const fits = syms.filter((s) => (size === undefined ? BigInt(offset) < s.size : s.size === BigInt(size)));
    if (!fits.length) return { problem: syms.length ? `${fn} in ${this.vmlinux} is not ${size !== undefined ? `0x${size.toString(16)} bytes long` : 'that long'}: this debuginfo is not the host's kernel` : `no symbol ${fn} in ${this.vmlinux}` };
    if (fits.length > 1) return { problem: `${fits.length} symbols ${fn} of that size in ${this.vmlinux}` };
    const addr = fits[0].addr + BigInt(offset) - 1n;
    const { stdout } = await run('addr2line', ['-f', '-i', '-a', '-e', this.vmlinux, `0x${addr.toString(16)}`], { maxBuffer: 1 << 20 });
    const lines = stdout.split('\n').filter(Boolean).slice(1);
    const frames: SourceFrame[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(lines[i + 1]);
      if (m && m[1] !== '??') frames.push({ function: lines[i], file: m[1], line: Number(m[2]) });
    }
    return frames.length ? { frames } : { problem: `addr2line knows no line at ${fn}+0x${offset.toString(16)}` };
  }
}

/** `debian/build/build_amd64_none_amd64/net/ipv4/udp.c` -> `net/ipv4/udp.c`: the longest suffix that is a file of the tree. */
export function treeRelative(file: string, has: (rel: string) => boolean): string | undefined {
  const parts = file.split('/');
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(i).join('/');
    if (rel && has(rel)) return rel;
  }
  return undefined;
}
