// One counter explained (server/src/engine/drops/explain-counter.ts builds it), and how it reads
// as Markdown: the same text in `netpath explain` and in the editor's "Explain counter" page.
import type { CounterFamily } from './counter-names';

export interface CounterExplanation {
  key: string;
  /** "IPv4 UDP RcvbufErrors". */
  title: string;
  family: CounterFamily;
  file: string;
  nstat?: string;
  mib?: string;
  /** The section of Documentation/networking/snmp_counter.rst about it, when the tree documents it. */
  doc?: { file: string; line: number; text: string };
  /** Where the tree maps the MIB constant or field to the name user space sees, and that line. */
  definition?: { file: string; line: number; text: string };
  /** Drop reasons that go with it, each with its comment in dropreason*.h and the sites (file:line) that give it. */
  reasons: Array<{ name: string; text?: string; sites: string[] }>;
  sites: Array<{ function: string; file: string; line: number; via: string }>;
  /** Commands to run next, most useful first. */
  next: string[];
  /** The same column in another family or the -Lite variant: keys to explain instead. */
  twins: string[];
}

/** Markdown; `link(file, line)` makes a file:line clickable where the reader can open it. */
export function explanationMarkdown(x: CounterExplanation, link: (file: string, line: number) => string = (f, l) => `${f}:${l}`): string {
  const out: string[] = [`# ${x.title}`, ''];
  out.push(`\`${x.key}\` in \`${x.file}\`${x.nstat ? ` · nstat \`${x.nstat}\`` : ''}${x.mib ? ` · \`${x.mib}\`` : ''}`, '');
  if (x.twins.length) out.push(`Also named so: ${x.twins.map((t) => `\`${t}\``).join(', ')} (explain those for the other families).`, '');
  out.push('## What it counts', '');
  if (x.doc) out.push(`From ${link(x.doc.file, x.doc.line)}:`, '', ...x.doc.text.split('\n').map((l) => `> ${l}`), '');
  else out.push('Documentation/networking/snmp_counter.rst of this tree does not describe it; the code below does.', '');
  if (x.definition) out.push(`Mapped at ${link(x.definition.file, x.definition.line)}: \`${x.definition.text}\``, '');
  out.push('## Drop reasons that go with it', '');
  if (x.reasons.length) for (const r of x.reasons) out.push(`- \`${r.name}\`${r.text ? `: ${r.text}` : ''} (${r.sites.map((s) => link(s.slice(0, s.lastIndexOf(':')), Number(s.slice(s.lastIndexOf(':') + 1)))).join(', ')})`);
  else out.push('- none found beside its increments: the packet is freed elsewhere, or with no reason.');
  out.push('', `## Where it is incremented (${x.sites.length})`, '');
  for (const s of x.sites) out.push(`- \`${s.function}\` ${link(s.file, s.line)} (\`${s.via}\`)`);
  if (!x.sites.length) out.push('- nothing in the indexed scope increments it.');
  out.push('', '## Next', '', ...x.next.map((n) => `- \`${n}\``));
  return out.join('\n') + '\n';
}
