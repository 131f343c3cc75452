// Hover text for a drop-site line: what kind of drop, the reason and its comment, the counters
// and how they are reached. Used by the hover feature, which adds it to the symbol hover.
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import type { DropSite } from '../engine/drops/types';
import { reasonPhrase } from '../../../shared/drop-reason-text';
import { DropEngines } from './drop-engines';
import { untilCancelled } from './guard';
import type { IndexSession } from './index-session';

/** Markdown for the drop sites on 1-based `line` of the document, or undefined when there are none. */
export async function dropHover(session: IndexSession, connection: Connection, uri: string, line: number, token: CancellationToken): Promise<string | undefined> {
  const rel = session.toRelative(uri);
  if (!rel) return undefined;
  const loaded = await DropEngines.of(session).load(token, connection.languages.attachWorkDoneProgress({}));
  if (!loaded || !loaded.index.files.has(rel)) return undefined;
  const sites = (await untilCancelled(loaded.engine.fileSites(rel), token)).filter((s) => s.line === line);
  return sites.length ? sites.map(describeDropSite).join('\n\n---\n\n') : undefined;
}

export function describeDropSite(s: DropSite): string {
  const head = s.kind === 'goto'
    ? `**Drop site**: \`goto ${s.label}\` (label at line ${s.labelLine})`
    : s.kind === 'free' ? `**Drop site**: \`${s.via}\`${s.notAlwaysDrop ? ' (not always a drop: it consumes the skb in some contexts)' : ''}`
      : `**Counter increment** (\`${s.via}\`)`;
  const lines = [head];
  if (s.condition) lines.push(`when \`${s.condition}\``);
  lines.push(reasonPhrase(s, { code: true }));
  if (s.counters.length) lines.push(`counters: ${s.counters.map((c) => `\`${c}\``).join(', ')}${s.through ? ` (through ${s.through.map((t) => `\`${t}\``).join(' → ')})` : ''}`);
  return lines.join('  \n');
}
