// Drop sites for the "Drop sites" view (a file, a folder or a function) and the counter map
// for "netpath: Explain counter…", from the drop-site engine on the session's call graph.
import { ErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import {
  CounterMapRequest, DropSitesRequest, MAX_DROP_FILES,
  type CounterInfo, type DropSiteInfo, type DropSitesParams, type DropSitesResult,
} from '../../../shared/protocol';
import { qualifiedName } from '../engine/drops/engine';
import type { DropSite } from '../engine/drops/types';
import { DropEngines, type LoadedDrops } from './drop-engines';
import { guarded, throwIfCancelled } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

export class DropSitesFeature {
  private readonly engines: DropEngines;

  constructor(private readonly session: IndexSession, private readonly log: Logger) {
    this.engines = DropEngines.of(session);
  }

  register(connection: Connection): void {
    connection.onRequest(DropSitesRequest, guarded(this.log, 'dropSites', async (params: DropSitesParams, token): Promise<DropSitesResult | ResponseError<void>> => {
      const progress = connection.languages.attachWorkDoneProgress(params);
      const loaded = await this.engines.load(token, progress);
      if (!loaded) return new ResponseError<void>(ErrorCodes.InvalidRequest, 'no kernel tree is indexed: open one to see its drop sites');
      const files: string[] = [];
      let filesLeftOut = 0;
      if (params.uri) {
        const rel = this.session.toRelative(params.uri);
        if (!rel || !loaded.index.files.has(rel)) return new ResponseError<void>(ErrorCodes.InvalidParams, `${params.uri} is not an indexed file of the kernel tree`);
        files.push(rel);
      }
      if (params.folder !== undefined) {
        const dir = params.folder.replace(/^\.?\/+|\/+$/g, '');
        const under = [...loaded.index.files.keys()].filter((f) => !dir || f.startsWith(`${dir}/`)).sort();
        if (!under.length) return new ResponseError<void>(ErrorCodes.InvalidParams, `no indexed files under "${params.folder}"`);
        files.push(...under.slice(0, MAX_DROP_FILES));
        filesLeftOut = Math.max(0, under.length - MAX_DROP_FILES);
      }
      if (!files.length && !params.function) return new ResponseError<void>(ErrorCodes.InvalidParams, 'dropSites needs a uri, a folder or a function');
      const sites = await this.collect(loaded, files, params.function, token, progress);
      return { root: loaded.index.root, rootUri: this.session.toUri(''), sites, filesLeftOut };
    }));
    connection.onRequest(CounterMapRequest, guarded(this.log, 'counterMap', async (params, token): Promise<CounterInfo[]> => {
      const loaded = await this.engines.load(token, connection.languages.attachWorkDoneProgress(params ?? {}));
      if (!loaded) return [];
      const map = await loaded.engine.counterMap();
      return map.entries.map((e) => ({
        key: qualifiedName(e), name: e.name, file: e.file, drop: e.drop,
        ...(e.prefix ? { prefix: e.prefix } : {}), ...(e.mib ? { mib: e.mib } : {}), ...(e.field ? { field: e.field } : {}), ...(e.column ? { column: e.column } : {}),
      }));
    }));
  }

  private async collect(loaded: LoadedDrops, files: string[], fn: string | undefined, token: CancellationToken,
    progress: { report(percentage: number, message?: string): void }): Promise<DropSiteInfo[]> {
    const out: DropSite[] = [];
    if (fn) out.push(...(await loaded.engine.sites(fn)).filter((s) => !files.length || files.includes(s.file)));
    else {
      for (let i = 0; i < files.length; i++) {
        throwIfCancelled(token);
        if (files.length > 20 && i % 20 === 0) progress.report(Math.round((i / files.length) * 100), files[i]);
        out.push(...await loaded.engine.fileSites(files[i]));
      }
    }
    const onPath = await loaded.onReceivePath();
    return out.map((s) => toInfo(s, this.session.toUri(s.file), onPath.has(`${s.file}|${s.function}`)));
  }
}

export function toInfo(s: DropSite, uri: string, onReceivePath: boolean): DropSiteInfo {
  return { ...s, uri, ...(onReceivePath ? { onReceivePath } : {}) };
}
