// The SystemTap TextMate grammar (syntaxes/systemtap.tmLanguage.json), tokenized by the same
// engine VS Code uses (vscode-textmate on vscode-oniguruma), on lines netpath writes and on
// constructs users write by hand. Also checks that package.json contributes it as `systemtap`.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar, type StateStack } from 'vscode-textmate';

const repo = path.join(__dirname, '..', '..');
const GRAMMAR = path.join(repo, 'syntaxes', 'systemtap.tmLanguage.json');

interface Token { text: string; scopes: string[] }

let grammar: IGrammar;

async function loadGrammar(): Promise<IGrammar> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (scope === 'source.stp' ? parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null),
  });
  const g = await registry.loadGrammar('source.stp');
  assert.ok(g, 'grammar source.stp did not load');
  return g;
}

/** Tokens of each line of `text`, carrying the state across lines as the editor does. */
function tokenize(text: string): Token[][] {
  let state: StateStack = INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** Scopes of the token holding the first occurrence of `needle` on line `n` (0-based) of `text`. */
function scopesOf(text: string, needle: string, n = 0): string[] {
  const line = tokenize(text)[n];
  const lineText = line.map((t) => t.text).join('');
  const at = lineText.indexOf(needle);
  assert.ok(at >= 0, `"${needle}" not on line ${n}: ${lineText}`);
  let pos = 0;
  for (const t of line) {
    if (at >= pos && at < pos + t.text.length) return t.scopes;
    pos += t.text.length;
  }
  throw new Error('unreachable');
}

function assertScope(text: string, needle: string, scope: string, n = 0): void {
  const scopes = scopesOf(text, needle, n);
  assert.ok(scopes.some((s) => s === scope || s.startsWith(`${scope}.`)), `"${needle}" on line ${n}: expected ${scope}, got ${scopes.join(' ')}`);
}

describe('SystemTap grammar', () => {
  before(async () => {
    grammar = await loadGrammar();
  });

  test('package.json contributes the systemtap language (.stp) with this grammar and its configuration', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'systemtap');
    assert.ok(lang, 'no systemtap language contributed');
    assert.deepEqual(lang.extensions, ['.stp']);
    assert.ok(fs.existsSync(path.join(repo, lang.configuration)), lang.configuration);
    JSON.parse(fs.readFileSync(path.join(repo, lang.configuration), 'utf8'));
    const g = pkg.contributes.grammars.find((x: { language: string }) => x.language === 'systemtap');
    assert.equal(g.scopeName, 'source.stp');
    assert.equal(path.resolve(repo, g.path), GRAMMAR);
  });

  test('probe points: the keyword, the components, string arguments and ? alternatives', () => {
    const probe = 'probe module("tap").function("tap_handle_frame@drivers/net/tap.c").call?,\n      kernel.statement("udp_rcv@net/ipv4/udp.c:2480")!\n{';
    assertScope(probe, 'probe', 'storage.type.probe.stp');
    assertScope(probe, 'module', 'support.function.probe-point.stp');
    assertScope(probe, 'function', 'support.function.probe-point.stp');
    assertScope(probe, 'call', 'support.function.probe-point.stp');
    assertScope(probe, '"tap"', 'string.quoted.double.stp');
    assertScope(probe, 'tap_handle_frame@', 'string.quoted.double.stp');
    assertScope(probe, '?', 'keyword.operator.optional.stp');
    // The list goes on over the next line: still the probe header.
    assertScope(probe, 'kernel', 'support.function.probe-point.stp', 1);
    assertScope(probe, 'statement', 'meta.probe.stp', 1);
    assertScope(probe, '!', 'keyword.operator.optional.stp', 1);
    assertScope(probe, '{', 'punctuation.section.block.begin.stp', 2);
    assertScope('probe kernel.trace("skb:kfree_skb") {', 'trace', 'support.function.probe-point.stp');
    assertScope('probe timer.s(60) { exit() }', '60', 'constant.numeric.decimal.stp');
    assertScope('probe timer.s(60) { exit() }', 'exit', 'support.function.builtin.stp');
    assertScope('probe my_alias = kernel.function("f") { }', 'my_alias', 'entity.name.function.probe-alias.stp');
  });

  test('bodies: target variables, builtins, format strings, operators, aggregates', () => {
    const body = '  drops[$reason, symname($location)]++\n  printf("%-40s cpu%-3d\\n", site[i], cpu())\n  show(2, $$return)\n  lat <<< gettimeofday_us() - @entry(gettimeofday_us())\n  if (printed++ < 20) next';
    assertScope(body, '$reason', 'variable.other.target.stp');
    assertScope(body, 'symname', 'support.function.builtin.stp');
    assertScope(body, '++', 'keyword.operator.increment.stp');
    assertScope(body, 'printf', 'support.function.builtin.stp', 1);
    assertScope(body, '%-40s', 'constant.other.placeholder.stp', 1);
    assertScope(body, '\\n', 'constant.character.escape.stp', 1);
    assertScope(body, 'show', 'entity.name.function.call.stp', 2);
    assertScope(body, '$$return', 'variable.language.target.stp', 2);
    assertScope(body, '<<<', 'keyword.operator.aggregate.stp', 3);
    assertScope(body, '@entry', 'support.function.target.stp', 3);
    assertScope(body, 'if', 'keyword.control.stp', 4);
    assertScope(body, 'next', 'keyword.control.stp', 4);
    assertScope('  foreach ([r, fn] in drops- limit 20)', 'limit', 'keyword.control.stp');
    assertScope('  x = $1 + @2', '$1', 'variable.parameter.argument.stp');
  });

  test('declarations, comments, embedded C and conditional preprocessing', () => {
    const fn = 'function reason_text:string(r:long) // comment';
    assertScope(fn, 'function', 'storage.type.function.stp');
    assertScope(fn, 'reason_text', 'entity.name.function.stp');
    assertScope(fn, 'string', 'storage.type.stp');
    assertScope(fn, 'r:', 'variable.parameter.stp');
    assertScope(fn, 'comment', 'comment.line.double-slash.stp');
    assertScope('global hits        # site number -> hits', 'global', 'storage.modifier.stp');
    assertScope('global hits        # site number -> hits', 'site number', 'comment.line.number-sign.stp');
    assertScope('#!/usr/bin/env stap', 'stap', 'comment.line.shebang.stp');
    assertScope('/* a\n   block */ global x', 'block', 'comment.block.stp', 1);
    assertScope('/* a\n   block */ global x', 'global', 'storage.modifier.stp', 1);
    const guru = '%{\n#include <linux/skbuff.h>\n%}';
    assertScope(guru, 'include', 'meta.embedded.block.c.stp', 1);
    assertScope('%( kernel_v >= "6.1" %? probe begin {} %)', '%(', 'keyword.control.preprocessor.stp');
    assertScope('%( kernel_v >= "6.1" %? probe begin {} %)', 'kernel_v', 'variable.language.preprocessor.stp');
  });

  for (const golden of ['probe-function-tap_handle_frame.stp', 'probe-path-ixgbe_poll-__udp_queue_rcv_skb.stp']) test(`a generated script (${golden}): every probe header line is a probe, nothing is left unscoped`, () => {
    const file = path.join(repo, 'test', 'golden', '6.1', golden);
    assert.ok(fs.existsSync(file), `${file} missing`);
    const text = fs.readFileSync(file, 'utf8');
    const lines = tokenize(text);
    const src = text.split('\n');
    for (let i = 0; i < src.length; i++) {
      if (/^probe /.test(src[i]) || /^ {6}(kernel|module)\./.test(src[i])) {
        assert.ok(lines[i].every((t) => t.scopes.includes('meta.probe.stp')), `line ${i + 1} leaves the probe header: ${src[i]}`);
      }
      for (const t of lines[i]) {
        if (t.text.trim()) assert.ok(t.scopes.length > 1, `line ${i + 1}: "${t.text}" has no scope`);
      }
    }
  });
});
