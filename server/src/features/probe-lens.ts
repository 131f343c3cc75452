// Code lenses above every function of an indexed file: "Probe" (entry and return) and, where the
// drop-site engine finds drop sites, "Probe N drop sites". A connection has one code lens
// handler, owned by DropLensFeature; it calls `source` next to its own "N drop sites" lenses.
import type { CancellationToken, CodeLens, CodeLensParams, Connection } from 'vscode-languageserver/node';
import { BPFTRACE_PROBE_COMMANDS, PROBE_COMMANDS, type ProbeCommandArgs } from '../../../shared/protocol';
import { untilCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';
import { DropEngines } from './drop-engines';

export type CodeLensSource = (params: CodeLensParams, token: CancellationToken) => Promise<CodeLens[]>;

export class ProbeLensFeature {
  private connection: Connection | undefined;

  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  /** Keeps the connection for progress reports; the lens handler itself is DropLensFeature's. */
  register(connection: Connection): void {
    this.connection = connection;
  }

  readonly source: CodeLensSource = async (params, token) => {
    const rel = this.session.toRelative(params.textDocument.uri);
    if (!rel) return [];
    const index = await this.session.current(token);
    const facts = rel ? index?.files.get(rel) : undefined;
    if (!index || !facts) return [];
    // Drop counts need the call graph (loaded or built once per index version); the Probe lenses do not.
    const counts = new Map<string, number>();
    if (this.connection) {
      try {
        const loaded = await DropEngines.of(this.session).load(token, this.connection.languages.attachWorkDoneProgress({}));
        const sites = loaded ? await untilCancelled(loaded.engine.fileSites(rel), token) : [];
        for (const s of sites) {
          const def = facts.functions.find((f) => f.name === s.function && f.line <= s.line && s.line <= f.endLine);
          if (def) counts.set(`${def.name}:${def.line}`, (counts.get(`${def.name}:${def.line}`) ?? 0) + 1);
        }
      } catch (e) {
        if (token.isCancellationRequested) throw e;
        this.log.warn(`probe lenses: no drop sites for ${rel}: ${(e as Error).message}`);
      }
    }
    // The lenses follow netpath.probes.defaultTool; the context menu offers both tools.
    const bpftrace = this.session.settings.probes.defaultTool === 'bpftrace';
    const commands = bpftrace ? BPFTRACE_PROBE_COMMANDS : PROBE_COMMANDS;
    const tool = bpftrace ? 'bpftrace script' : 'SystemTap script';
    const lenses: CodeLens[] = [];
    for (const fn of facts.functions) {
      const range = { start: { line: fn.line - 1, character: fn.col }, end: { line: fn.line - 1, character: fn.col + fn.name.length } };
      const args: ProbeCommandArgs = { uri: params.textDocument.uri, function: fn.name, line: fn.line - 1 };
      lenses.push({ range, command: { title: 'Probe', tooltip: `${tool}: entry and return of ${fn.name}`, command: commands.function, arguments: [args] } });
      const n = counts.get(`${fn.name}:${fn.line}`);
      if (n) {
        lenses.push({ range, command: { title: `Probe ${n} drop site${n === 1 ? '' : 's'}`, tooltip: `${tool}: which drop site of ${fn.name} fires?`, command: commands.drops, arguments: [args] } });
      }
    }
    return lenses;
  };
}
