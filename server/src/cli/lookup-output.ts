// What `netpath def` and `netpath refs` print, the same whether the answer came from the
// symbols lookup file (cli/entry.ts) or from the whole index (cli/netpath.ts).
import type { ReferenceLocation, SymbolLocation } from '../engine/symbols';

/** Prints the answer; returns the exit code (1 when there is none). */
export function printLookup(cmd: 'def' | 'refs', name: string, found: SymbolLocation[] | ReferenceLocation[], scope: string[], json: boolean): number {
  const locations = cmd === 'def'
    ? (found as SymbolLocation[]).map((d) => ({ file: d.file, line: d.line, kind: d.kind, ...(d.signature ? { signature: d.signature } : {}) }))
    : (found as ReferenceLocation[]).map((r) => ({ file: r.file, line: r.line, kind: r.kind, ...(r.function ? { function: r.function } : {}) }));
  if (json) {
    process.stdout.write(JSON.stringify({ symbol: name, locations }) + '\n');
  } else {
    for (const l of locations) process.stdout.write(`${l.file}:${l.line}\t${l.kind}${'function' in l && l.function ? `\tin ${l.function}` : ''}\n`);
  }
  if (locations.length === 0) {
    process.stderr.write(`netpath: no ${cmd === 'def' ? 'definition' : 'references'} of "${name}" in scope ${scope.join(',')}\n`);
    return 1;
  }
  return 0;
}
