// "netpath: Map a stack trace…": a pasted kernel stack trace laid onto the session's call graph
// (engine/traces), each frame with its definition and how the frame before it reaches it.
import type { Connection } from 'vscode-languageserver/node';
import { MapStackTraceRequest, type MapStackTraceParams, type MapStackTraceResult, type TraceStackView } from '../../../shared/protocol';
import { parseTrace } from '../engine/traces/parse-trace';
import { mapStack, type MappedStack } from '../engine/traces/map-trace';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

/** A paste longer than this is refused before parsing (the parser reads 20,000 lines at most anyway). */
const MAX_TEXT_CHARS = 4_000_000;

export class MapTraceFeature {
  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onRequest(MapStackTraceRequest, guarded(this.log, 'mapStackTrace', async (params: MapStackTraceParams, token) => {
      const text = typeof params.text === 'string' ? params.text : '';
      const parsed = parseTrace(text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text);
      if (text.length > MAX_TEXT_CHARS) parsed.notes.push(`only the first ${MAX_TEXT_CHARS.toLocaleString('en-US')} characters were read`);
      const result: MapStackTraceResult = { root: '', stacks: [], skippedLines: parsed.skippedLines, notes: parsed.notes, mapped: 0 };
      if (!parsed.stacks.length) return result;
      const loaded = await this.session.callGraph(token, connection.languages.attachWorkDoneProgress(params));
      if (!loaded) return result;
      result.root = loaded.index.root;
      for (const frames of parsed.stacks) {
        throwIfCancelled(token);
        const mapped = mapStack(loaded.graph, frames);
        result.stacks.push(this.view(mapped));
        result.mapped += mapped.mapped;
      }
      return result;
    }));
  }

  private view(m: MappedStack): TraceStackView {
    const into = new Map(m.links.map((l) => [l.callee, l]));
    const frames = m.frames.map((f) => {
      const link = into.get(f.index);
      return {
        index: f.index, fn: f.fn, raw: f.raw, unreliable: f.unreliable, lineNo: f.lineNo,
        ...(f.inlined ? { inlined: true } : {}),
        ...(f.module ? { module: f.module } : {}),
        ...(f.file ? { traceFile: f.file, traceLine: f.line } : {}),
        defs: f.defs.map((d) => ({ ...d, uri: this.session.toUri(d.file) })),
        ...(link ? { link: { status: link.status, hops: link.hops.map((h) => ({ ...h, uri: this.session.toUri(h.file) })) } } : {}),
      };
    });
    return { frames, unknown: m.unknown, mapped: m.mapped };
  }
}
