// The pre-parse rewrites must keep every offset and line exact.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { makeNeutraliser } from '../../server/src/engine/macros';
import { blankUnbalancedBranches } from '../../server/src/engine/conditionals';
import { splitArgs } from '../../server/src/engine/args-text';
import { baseKnowledge } from '../../server/src/engine/knowledge';

const k = baseKnowledge();
const neutralise = makeNeutraliser(k.annotationMacros, k.annotationFunctionMacros, k.loopMacroMarker);

function sameShape(a: string, b: string) {
  assert.equal(a.length, b.length);
  assert.deepEqual([...a].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0), [...b].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0));
}

test('annotations become spaces of the same length', () => {
  const src = 'static int __init inet_init(void)\n__printf(2,\n 3) void f(const char *fmt, ...);\nstruct x __rcu *p;\n';
  const { text, hits } = neutralise.apply(src);
  sameShape(src, text);
  assert.equal(text, 'static int        inet_init(void)\n           \n    void f(const char *fmt, ...);\nstruct x       *p;\n');
  assert.deepEqual(hits.map((h) => [h.name, h.index]), [['__init', 11], ['__printf', 34], ['__rcu', 89]]);
});

test('words that merely contain an annotation name are untouched', () => {
  const src = 'int __initcall_x; int my__init; __free_page(p); x = __init_end;\n';
  assert.equal(neutralise.apply(src).text, src);
});

test('for_each loop heads become while; definitions, #defines and plain calls do not', () => {
  const src = [
    '\tlist_for_each_entry(p, h, m) {',
    '#define list_for_each_entry(pos, head, member) \\',
    'int netdev_for_each_thing(int a) {',
    '\tx = foo_for_each(a, b);',
    '\tfor_each_possible_cpu(cpu)',
    '\t\tcount(cpu);',
    '',
  ].join('\n');
  const out = neutralise.apply(src).text;
  sameShape(src, out);
  const lines = out.split('\n');
  assert.equal(lines[0], '\twhile              (p, h, m) {');
  assert.equal(lines[1], '#define list_for_each_entry(pos, head, member) \\');
  assert.equal(lines[2], 'int netdev_for_each_thing(int a) {');
  assert.equal(lines[3], '\tx = foo_for_each(a, b);');
  assert.equal(lines[4], '\twhile                (cpu)');
});

test('unbalanced #if/#else branches keep the first; balanced groups stay', () => {
  const src = ['{', '#ifdef A', '\tif (a) {', '#else', '\tif (b) {', '#endif', '\t}', '#if B', 'int x;', '#else', 'int y;', '#endif', '}', ''].join('\n');
  const out = blankUnbalancedBranches(src);
  sameShape(src, out);
  const lines = out.split('\n');
  assert.equal(lines[2], '\tif (a) {');
  assert.equal(lines[3].trim(), '');
  assert.equal(lines[4].trim(), '');
  assert.equal(lines[5], '#endif');
  assert.equal(lines[10], 'int y;');
});

test('braces in comments and strings do not count', () => {
  const src = ['#if A', 'x = "{"; /* { */ c = \'{\';', '#else', 'y;', '#endif', ''].join('\n');
  assert.equal(blankUnbalancedBranches(src), src);
});

test('splitArgs: top-level commas only, strings and comments skipped, absolute offsets', () => {
  const text = 'f(a, g(b, c), "x,y", /* p, q */ &h, arr[1,2])';
  const args = splitArgs(text, 1);
  assert.deepEqual(args.map((a) => a.text), ['a', 'g(b, c)', '"x,y"', '/* p, q */ &h', 'arr[1,2]']);
  assert.equal(text.slice(args[1].offset, args[1].offset + 7), 'g(b, c)');
  assert.deepEqual(splitArgs('()', 0), []);
  assert.deepEqual(splitArgs('x', 0), []);
});
