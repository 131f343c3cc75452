// Loads web-tree-sitter and the tree-sitter-c grammar shipped by the `tree-sitter-c` package.
// The bundle copies both .wasm files and the .scm queries next to itself (scripts/build.mjs);
// from source (tests) they are found in node_modules and beside this file.
import { Parser, Language, Query } from 'web-tree-sitter';
import type { ParseOutcome, SyntaxBackend } from './syntax';
import { grammarPath, queryText, runtimeWasmPath } from './assets';

export { grammarPath, queryText, runtimeWasmPath };

export interface CParser {
  parser: Parser;
  language: Language;
  facts: Query;
  loads: Query;
  /** The grammar file actually loaded, for logs and the cache fingerprint. */
  grammarPath: string;
}

let runtime: Promise<void> | undefined;

export async function loadCParser(): Promise<CParser> {
  const wasm = runtimeWasmPath();
  runtime ??= Parser.init({ locateFile: () => wasm });
  await runtime;
  const gp = grammarPath();
  const language = await Language.load(gp);
  const parser = new Parser();
  parser.setLanguage(language);
  const facts = new Query(language, queryText('facts.scm'));
  const loads = new Query(language, queryText('loads.scm'));
  return { parser, language, facts, loads, grammarPath: gp };
}

/** The wasm parser as a SyntaxBackend: the language server and the tests use this one. */
export function wasmBackend(c: CParser): SyntaxBackend {
  return {
    name: 'wasm',
    grammarPath: c.grammarPath,
    facts: c.facts,
    loads: c.loads,
    parse(text: string, timeoutMs: number): ParseOutcome {
      const deadline = Date.now() + timeoutMs;
      let timedOut = false;
      const tree = c.parser.parse(text, null, {
        progressCallback: () => {
          if (Date.now() > deadline) timedOut = true;
          return timedOut;
        },
      });
      if (!tree) {
        c.parser.reset();
        return { ok: false, reason: timedOut ? `parse timed out after ${timeoutMs} ms` : 'parser returned no tree' };
      }
      return { ok: true, parsed: { tree, free: () => tree.delete() } };
    },
  };
}

