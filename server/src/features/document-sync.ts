// Incremental updates: an edited buffer re-indexes just its file from the editor's text (debounced),
// saves re-index from disk. File-system events (a `git checkout`, a build) are collected and
// applied as one batch after a quiet moment: one index version, the cache written once; above
// FILE_EVENTS_REOPEN_LIMIT files one full open does it (it stats every file and parses the
// changed ones in the worker pool).
import { FileChangeType, type Connection, type DidChangeWatchedFilesParams, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { guardedNotification } from './guard';
import type { IndexSession } from './index-session';
import type { Logger } from './logger';

/** Wait this long after the last keystroke before re-parsing a buffer. */
export const EDIT_DEBOUNCE_MS = 300;
/** Wait this long after the last file event before applying the batch (a checkout sends many). */
export const FILE_EVENTS_DEBOUNCE_MS = 200;
/** Above this many files in a batch, one full open instead of file by file. */
export const FILE_EVENTS_REOPEN_LIMIT = 200;

export class DocumentSyncFeature {
  /** Buffers edited but not yet re-indexed, by URI. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** File events not yet applied: URI -> deleted (true) or created/changed. The last event of a file wins. */
  private events = new Map<string, boolean>();
  private eventsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: IndexSession,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly log: Logger,
  ) {
    session.setBeforeRead(() => this.flush());
    // A full open reads the disk: edited buffers must be indexed again on top of it.
    session.setAfterOpen(() => {
      for (const doc of this.documents.all()) if (doc.version > 1) this.schedule(doc.uri);
    });
  }

  register(connection: Connection): void {
    this.documents.onDidChangeContent((e) => this.schedule(e.document.uri));
    this.documents.onDidSave((e) => this.fromDisk(e.document.uri));
    // Closing a buffer may discard unsaved edits that were indexed: go back to the disk version.
    this.documents.onDidClose((e) => {
      const hadEdits = this.cancel(e.document.uri) || e.document.version > 1;
      if (hadEdits) this.fromDisk(e.document.uri);
    });
    connection.onDidChangeWatchedFiles(guardedNotification(this.log, 'didChangeWatchedFiles', (p: DidChangeWatchedFilesParams) => this.onFileEvents(p)));
    this.documents.listen(connection);
  }

  /** Applies every pending edit and file event now, so a request sees what the user sees. */
  async flush(): Promise<void> {
    const batch = this.applyEvents();
    const uris = [...this.pending.keys()];
    for (const uri of uris) this.cancel(uri);
    await Promise.all([batch, ...uris.map((uri) => this.fromBuffer(uri))]);
  }

  private schedule(uri: string): void {
    // didOpen also fires a content change; an unmodified buffer matches the disk, which is indexed.
    const doc = this.documents.get(uri);
    if (!doc || doc.version <= 1 && !this.pending.has(uri)) return;
    this.cancel(uri);
    this.pending.set(uri, setTimeout(() => {
      this.pending.delete(uri);
      void this.fromBuffer(uri);
    }, EDIT_DEBOUNCE_MS));
  }

  private cancel(uri: string): boolean {
    const timer = this.pending.get(uri);
    if (timer) clearTimeout(timer);
    return this.pending.delete(uri);
  }

  private fromBuffer(uri: string): Promise<void> {
    return this.update(uri, 'edit', () => {
      const doc = this.documents.get(uri);
      return doc && { text: doc.getText(), version: doc.version };
    });
  }

  private fromDisk(uri: string): Promise<void> {
    return this.update(uri, 'disk', () => undefined);
  }

  private onFileEvents(params: DidChangeWatchedFilesParams): void {
    for (const change of params.changes) this.events.set(change.uri, change.type === FileChangeType.Deleted);
    if (this.eventsTimer) clearTimeout(this.eventsTimer);
    this.eventsTimer = setTimeout(() => void this.applyEvents(), FILE_EVENTS_DEBOUNCE_MS);
  }

  /** Applies the collected file events as one batch (queued behind any open in progress). */
  private applyEvents(): Promise<void> {
    if (this.eventsTimer) clearTimeout(this.eventsTimer);
    this.eventsTimer = undefined;
    if (!this.events.size) return Promise.resolve();
    const events = this.events;
    this.events = new Map();
    return this.session.enqueue(async () => {
      const idx = this.session.loaded;
      if (!idx) return;
      const changed: string[] = [];
      const removed: string[] = [];
      for (const [uri, deleted] of events) {
        const rel = this.session.toRelative(uri);
        if (!rel || !idx.inScope(rel)) continue;
        if (deleted) removed.push(rel);
        // An open buffer owns its file's facts until it is saved or closed.
        else if (!this.documents.get(uri)) changed.push(rel);
      }
      if (!changed.length && !removed.length) return;
      if (changed.length + removed.length > FILE_EVENTS_REOPEN_LIMIT) {
        this.log.info(`${changed.length + removed.length} files changed on disk: opening the index again`);
        await this.session.openNow();
        return;
      }
      const started = Date.now();
      const r = await idx.updateFromDisk(changed, removed);
      for (let i = 0; i < r.results.length + r.removed; i++) this.session.noteFileUpdate();
      const skipped = r.results.filter((x) => !x.ok).length;
      this.log.info(`applied ${events.size} file events in one batch in ${Date.now() - started} ms: ${r.results.length} re-indexed${skipped ? ` (${skipped} skipped)` : ''}, ${r.removed} removed`);
    }).catch((e: Error) => this.log.error(`applying file events failed: ${e.stack ?? e.message}`));
  }

  /** Re-indexes one in-scope file; `text` undefined means read it from disk. */
  private update(uri: string, source: 'edit' | 'disk', text: () => { text: string; version: number } | undefined): Promise<void> {
    // Queued behind any open in progress, so the edit lands in the index that open produces.
    return this.session.enqueue(async () => {
      const idx = this.session.loaded;
      const rel = this.session.toRelative(uri);
      if (!idx || !rel || !idx.inScope(rel)) return;
      const buffer = source === 'edit' ? text() : undefined;
      if (source === 'edit' && buffer === undefined) return; // closed meanwhile
      const started = Date.now();
      const r = await idx.reindexFile(rel, buffer?.text, buffer?.version);
      this.session.noteFileUpdate();
      const outcome = r.ok ? `${r.facts.functions.length} functions` : `skipped (${r.skip.reason})`;
      this.log.debug(`re-indexed ${rel} from ${source === 'edit' ? 'the editor' : 'disk'} in ${Date.now() - started} ms: ${outcome}`);
    }).catch((e: Error) => this.log.error(`re-indexing ${uri} failed: ${e.stack ?? e.message}`));
  }
}
