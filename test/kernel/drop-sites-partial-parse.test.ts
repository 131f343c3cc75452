// Drop sites parse only the functions they analyse (tree-sitter's included ranges), not the whole
// file. On the real 6.1 and 6.12 trees, for every function with a goto or a packet free of dev.c,
// udp.c, tap.c and tc35815.c (whose alloc_rxbuf_skb follows an `#ifdef DEBUG` block), the partial parse must give the
// same analysis as a parse of the whole file. (When this was written, the same held for every drop
// site of all ~3,700 files with one in either tree, checked once by a script.)
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KERNEL_VERSIONS, kernelTree } from '../helpers/kernels';
import { baseKnowledge } from '../../server/src/engine/knowledge';
import { dropKnowledge } from '../../server/src/engine/drops/knowledge';
import { analyseFunction } from '../../server/src/engine/drops/function-analysis';
import { SourceParser, functionNodeAt, functionSpans } from '../../server/src/engine/drops/source-parser';

const FILES = ['net/core/dev.c', 'net/ipv4/udp.c', 'drivers/net/tap.c', 'drivers/net/ethernet/toshiba/tc35815.c'];

/** Functions of a C file with their name line and closing-brace line (1-based), and whether they hold a goto or free a packet (what the engine parses), read from the text. */
function functionsOf(text: string): Array<{ name: string; line: number; endLine: number; gotos: boolean }> {
  const lines = text.split('\n');
  const out: Array<{ name: string; line: number; endLine: number; gotos: boolean }> = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:[a-z_].*?[\s*])?([a-z_][a-z0-9_]*)\(/.exec(lines[i]);
    if (!m || lines[i].trim().endsWith(';') || /^(if|for|while|switch|return)$/.test(m[1])) continue;
    const open = lines.findIndex((l, k) => k >= i && l === '{');
    // A prototype (its `;` before any `{`) is not a definition.
    if (open < 0 || open - i > 8 || lines.slice(i, open).some((l) => l.includes(';'))) continue;
    const close = lines.findIndex((l, k) => k > open && l === '}');
    if (close < 0) continue;
    out.push({ name: m[1], line: i + 1, endLine: close + 1, gotos: lines.slice(open, close).some((l) => /\bgoto \w+;|kfree_skb\w*\(|consume_skb\(/.test(l)) });
    i = close;
  }
  return out;
}

for (const version of KERNEL_VERSIONS) {
  describe(`drop sites parse only their functions, on Linux ${version}`, () => {
    const root = kernelTree(version);
    const parser = new SourceParser(root, baseKnowledge());
    const k = dropKnowledge();

    for (const rel of FILES) {
      test(`${rel}: each function with a goto or a free analyses the same as in a parse of the whole file`, async () => {
        const text = fs.readFileSync(path.join(root, rel), 'utf8');
        // Spans are computed over every function, as the engine does; the ones with a goto are compared.
        const every = functionsOf(text);
        const wanted = [...every.keys()].filter((i) => every[i].gotos);
        const fns = wanted.map((i) => every[i]);
        assert.ok(fns.length >= (rel.endsWith('dev.c') ? 20 : 2), `${fns.length} functions with a goto in ${rel}`);
        const whole = await parser.with(rel, ({ root: r, text: t }) => fns.map((f) => {
          const node = functionNodeAt(r, f.line);
          return node ? analyseFunction(node, t, k) : undefined;
        }));
        assert.ok(whole, rel);
        assert.deepEqual(fns.filter((_, i) => !whole[i]).map((f) => `${f.name}:${f.line}`), [], `functions not found in the whole parse of ${rel}`);
        // One function at a time, as a lens on it asks, and all of them in one parse.
        for (const [i, f] of fns.entries()) {
          const one = await parser.with(rel, ({ root: r, text: t }) => {
            const node = functionNodeAt(r, f.line);
            return node ? analyseFunction(node, t, k) : undefined;
          }, undefined, functionSpans(every, [wanted[i]]));
          assert.deepEqual(one, whole[i], `${rel}:${f.line} ${f.name}`);
        }
        const all = await parser.with(rel, ({ root: r, text: t }) => fns.map((f) => {
          const node = functionNodeAt(r, f.line);
          return node ? analyseFunction(node, t, k) : undefined;
        }), undefined, functionSpans(every, wanted));
        assert.deepEqual(all, whole);
      });
    }
  });
}

test('a span that starts at the #endif of the block before is parsed from the line after it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-spans-'));
  try {
    const c = [
      'static int a(int x)',
      '{',
      '\treturn x;',
      '}',
      '#ifdef DEBUG',
      'static int b(int x)',
      '{',
      '\treturn x;',
      '}',
      '#endif',
      'static int c(struct sk_buff *skb)',
      '{',
      '\tif (!skb)',
      '\t\tgoto drop;',
      '\treturn 0;',
      'drop:',
      '\tkfree_skb(skb);',
      '\treturn 1;',
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'x.c'), c);
    const parser = new SourceParser(dir, baseKnowledge());
    const fns = [{ line: 1, endLine: 4 }, { line: 6, endLine: 9 }, { line: 11, endLine: 19 }];
    const spans = functionSpans(fns, [2]);
    assert.deepEqual(spans, [{ from: 10, to: 19 }], 'from the end of b, the #endif included');
    const seen = await parser.with('x.c', ({ root }) => {
      const node = functionNodeAt(root, 11);
      return { type: node?.type, start: node?.startPosition.row, errors: root.hasError };
    }, undefined, spans);
    assert.deepEqual(seen, { type: 'function_definition', start: 10, errors: false });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
