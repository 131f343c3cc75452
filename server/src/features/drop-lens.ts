// "N drop sites" above each function that has drop sites. The lens runs a client command that
// lists them (SHOW_DROP_SITES_COMMAND). Other lens sources (probes) can be passed in, since a
// connection has one code lens handler.
import type { CancellationToken, CodeLens, CodeLensParams, Connection } from 'vscode-languageserver/node';
import { SHOW_DROP_SITES_COMMAND } from '../../../shared/protocol';
import type { DropSite } from '../engine/drops/types';
import { DropEngines } from './drop-engines';
import { guarded, untilCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export type CodeLensSource = (params: CodeLensParams, token: CancellationToken) => Promise<CodeLens[]>;

export class DropLensFeature {
  private readonly engines: DropEngines;

  constructor(private readonly session: IndexSession, private readonly log: Logger, private readonly others: CodeLensSource[] = []) {
    this.engines = DropEngines.of(session);
  }

  register(connection: Connection): void {
    const sources: CodeLensSource[] = [(p, t) => this.lenses(connection, p, t), ...this.others];
    connection.onCodeLens(guarded(this.log, 'codeLens', async (params: CodeLensParams, token) => {
      const all = await Promise.all(sources.map((s) => s(params, token)));
      return all.flat();
    }));
  }

  async lenses(connection: Connection, params: CodeLensParams, token: CancellationToken): Promise<CodeLens[]> {
    const rel = this.session.toRelative(params.textDocument.uri);
    if (!rel) return [];
    const loaded = await this.engines.load(token, connection.languages.attachWorkDoneProgress({}));
    if (!loaded || !loaded.index.files.has(rel)) return [];
    const sites = await untilCancelled(loaded.engine.fileSites(rel), token);
    const facts = loaded.index.files.get(rel)!;
    const byFunction = new Map<string, DropSite[]>();
    for (const s of sites) byFunction.set(s.function, [...(byFunction.get(s.function) ?? []), s]);
    const lenses: CodeLens[] = [];
    for (const [name, list] of byFunction) {
      // The definition whose body holds the sites (static functions can share a name in a file under #ifdef).
      const def = facts.functions.find((f) => f.name === name && f.line <= list[0].line && list[0].line <= f.endLine);
      if (!def) continue;
      const title = `${list.length} drop site${list.length === 1 ? '' : 's'}`;
      lenses.push({
        range: { start: { line: def.line - 1, character: def.col }, end: { line: def.line - 1, character: def.col + name.length } },
        // The function's name too: VS Code shows a lens computed before the last edit until the new
        // ones arrive, and its lines are then stale; the command lists the function's sites as they are.
        command: { title, command: SHOW_DROP_SITES_COMMAND, arguments: [params.textDocument.uri, list.map((s) => s.line), name] },
      });
    }
    return lenses;
  }
}
