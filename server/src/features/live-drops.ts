// Attribution of a live drop session's intervals for the editor: the session itself runs in the
// client (it owns the ssh process and its lifetime); each interval's (function, offset, reason)
// rows come here to be mapped to the drop sites of the analysis's engine (live-drops/attribution.ts).
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { LiveDropsAttributeRequest, type LiveDropsAttributeParams, type LiveDropsAttributeResult } from '../../../shared/protocol';
import type { DropEngine } from '../engine/drops/engine';
import { kernelVersion } from '../engine/kernel-tree';
import { DropAttributor, versionGuard } from '../live-drops/attribution';
import type { IntervalRow } from '../live-drops/session-frames';
import { DropEngines } from './drop-engines';
import { guarded, untilCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

const MAX_ROWS = 10_000;

export class LiveDropsFeature {
  /** One attributor per engine (per analysis): its candidate sites are memoised per function. */
  private readonly attributors = new WeakMap<DropEngine, DropAttributor>();

  constructor(private readonly session: IndexSession, private readonly log: Logger) {}

  register(connection: Connection): void {
    connection.onRequest(LiveDropsAttributeRequest, guarded(this.log, 'liveDropsAttribute', async (params: LiveDropsAttributeParams, token): Promise<LiveDropsAttributeResult | ResponseError<void>> => {
      if (!Array.isArray(params.rows) || params.rows.length > MAX_ROWS) return new ResponseError<void>(ErrorCodes.InvalidParams, `rows must be an array of at most ${MAX_ROWS}`);
      const loaded = await DropEngines.of(this.session).load(token, connection.languages.attachWorkDoneProgress(params));
      if (!loaded) return new ResponseError<void>(ErrorCodes.InvalidRequest, 'no kernel tree is indexed: open one to link live drops to code');
      let a = this.attributors.get(loaded.engine);
      if (!a) this.attributors.set(loaded.engine, (a = new DropAttributor(loaded.engine, loaded.graph, undefined, loaded.onReceivePath)));
      const rows: IntervalRow[] = params.rows.map((r) => ({
        location: r.fn ? { fn: r.fn, ...(r.offset !== undefined ? { offset: r.offset } : {}), ...(r.size !== undefined ? { size: r.size } : {}) } : { address: r.address ?? '?' },
        count: r.count, ...(r.reason ? { reason: r.reason } : {}),
      }));
      const rep = await untilCancelled(a.report({ kind: 'interval', seq: params.seq, uptime: 0, rows, events: params.events, capped: params.capped, lost: params.lost, sampleEvery: params.sampleEvery, unreadable: 0 }, params.seconds), token);
      const guard = versionGuard(kernelVersion(loaded.index.root), params.release);
      return {
        approximate: guard.approximate, ...(guard.why ? { approximateWhy: guard.why } : {}),
        rows: rep.rows.map((r) => ({
          location: r.location, ...(r.fn ? { fn: r.fn } : {}), ...(r.reason ? { reason: r.reason } : {}), count: r.count, ratePerS: r.ratePerS, verdict: r.verdict, note: r.note,
          sites: r.sites.map((s) => ({ file: s.file, line: s.line, function: s.function, uri: this.session.toUri(s.file), reasons: s.reasons, ...(s.inlinedInto ? { inlinedInto: s.inlinedInto } : {}) })),
          ...(r.callers ? { callers: r.callers.map((c) => ({ ...c, uri: this.session.toUri(c.file) })) } : {}),
        })),
      };
    }));
  }
}
