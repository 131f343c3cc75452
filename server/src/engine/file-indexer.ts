// Index one file: read, check, blank annotations, parse, extract, free the tree.
// Bad input never throws out of here: it comes back as a skip with a reason.
import * as fs from 'node:fs';
import { wasmBackend, type CParser } from './parser';
import type { SyntaxBackend } from './syntax';
import type { Knowledge } from './knowledge';
import { makeNeutraliser, type Neutraliser } from './macros';
import { extractFacts } from './extract';
import type { FileFacts, SkippedFile } from './types';

export interface FileIndexContext {
  backend: SyntaxBackend;
  knowledge: Knowledge;
  neutraliser: Neutraliser;
  /** Parse time budget per file; a pathological file is skipped rather than stalling the pool. */
  parseTimeoutMs?: number;
}

export function makeFileIndexContext(parser: CParser | SyntaxBackend, knowledge: Knowledge, parseTimeoutMs?: number): FileIndexContext {
  const neutraliser = makeNeutraliser(knowledge.annotationMacros, knowledge.annotationFunctionMacros, knowledge.loopMacroMarker);
  const backend = 'parse' in parser ? parser : wasmBackend(parser);
  return { backend, knowledge, neutraliser, parseTimeoutMs };
}

export type FileResult = { ok: true; facts: FileFacts } | { ok: false; skip: SkippedFile };

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function indexFile(ctx: FileIndexContext, absPath: string, relPath: string): FileResult {
  let stat: fs.Stats;
  let buf: Buffer;
  try {
    stat = fs.statSync(absPath);
    if (!stat.isFile()) return skip(relPath, 'not a regular file');
    if (stat.size > ctx.knowledge.maxFileBytes) {
      return skip(relPath, `too large (${stat.size} bytes > maxFileBytes ${ctx.knowledge.maxFileBytes})`);
    }
    buf = fs.readFileSync(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return skip(relPath, 'deleted during indexing');
    if (code === 'EACCES' || code === 'EPERM') return skip(relPath, 'unreadable (permission denied)');
    return skip(relPath, `unreadable (${code ?? (e as Error).message})`);
  }
  return indexBuffer(ctx, buf, relPath, stat.mtimeMs, stat.size);
}

/** Index text already in memory (an unsaved editor buffer, or a file just read). */
export function indexBuffer(ctx: FileIndexContext, buf: Buffer, relPath: string, mtimeMs: number, size: number): FileResult {
  if (buf.length > ctx.knowledge.maxFileBytes) return skip(relPath, `too large (${buf.length} bytes)`);
  if (buf.indexOf(0) >= 0) return skip(relPath, 'binary data (NUL bytes)');
  const notes: string[] = [];
  let text: string;
  try {
    text = utf8Strict.decode(buf);
  } catch {
    // Kernel sources have the odd Latin-1 comment; replacement characters keep lines intact.
    text = utf8.decode(buf);
    notes.push('non-UTF-8 bytes replaced with U+FFFD');
  }
  return indexText(ctx, text, relPath, mtimeMs, size, notes);
}

export function indexText(ctx: FileIndexContext, original: string, relPath: string, mtimeMs: number, size: number, notes: string[] = []): FileResult {
  // One file's bad input (a rewrite or parse that throws, a wasm trap) is that file's skip, never the index's failure.
  let text: string, hits: ReturnType<Neutraliser['apply']>['hits'];
  let outcome: ReturnType<SyntaxBackend['parse']>;
  try {
    ({ text, hits } = ctx.neutraliser.apply(original));
    outcome = ctx.backend.parse(text, ctx.parseTimeoutMs ?? 20_000);
  } catch (e) {
    return skip(relPath, `parse failed: ${(e as Error).message}`);
  }
  if (!outcome.ok) return skip(relPath, outcome.reason);
  const { tree, free } = outcome.parsed;
  try {
    const facts = extractFacts({ tree, original, annotations: hits, parsed: text, query: ctx.backend.facts, loadsQuery: ctx.backend.loads, knowledge: ctx.knowledge });
    const out: FileFacts = { path: relPath, mtimeMs, size, ...facts };
    if (notes.length) out.notes = notes;
    return { ok: true, facts: out };
  } catch (e) {
    return skip(relPath, `extraction failed: ${(e as Error).message}`);
  } finally {
    free();
  }
}

function skip(path: string, reason: string): FileResult {
  return { ok: false, skip: { path, reason } };
}
