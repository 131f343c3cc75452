// Probed functions against a kernel's /proc/kallsyms: this machine's real one, and the format's
// quirks written out (module suffixes, clones, data symbols).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { checkSymbol, parseKallsyms } from '../../server/src/engine/probes/kallsyms';

test('the running kernel: ip_rcv is a symbol, a made-up function is absent, clones are filed under their base', () => {
  assert.ok(fs.existsSync('/proc/kallsyms'), 'prerequisite missing: /proc/kallsyms (a Linux host)');
  const table = parseKallsyms(fs.readFileSync('/proc/kallsyms', 'utf8'));
  assert.ok(table.size > 10000, `${table.size} text symbols`);
  assert.equal(checkSymbol(table, 'ip_rcv').presence, 'present');
  assert.equal(checkSymbol(table, 'netpath_no_such_function').presence, 'absent');
  const clone = [...table.values()].flat().find((s) => /^\w+\.(isra|constprop)\.\d+$/.test(s));
  assert.ok(clone, 'no .isra/.constprop clone in this kernel');
  assert.ok(table.get(clone.split('.')[0])!.includes(clone));
});

test('format: modules in brackets, data symbols ignored, clone-only verdicts', () => {
  const text = [
    'ffffffffc0a01000 t tap_handle_frame\t[tap]',
    'ffffffff81ff8b20 t ip_rcv_finish.isra.0',
    'ffffffff81ff8c00 T ip_rcv',
    'ffffffff82a00000 D ip_rcv_data_symbol',
    'garbage line',
    '',
  ].join('\n');
  const table = parseKallsyms(text);
  assert.deepEqual(checkSymbol(table, 'tap_handle_frame'), { name: 'tap_handle_frame', presence: 'present', symbols: ['tap_handle_frame [tap]'] });
  assert.equal(checkSymbol(table, 'ip_rcv_finish').presence, 'clones-only');
  assert.equal(checkSymbol(table, 'ip_rcv_data_symbol').presence, 'absent');
});
