// The traces benchmark (bench/traces.ts) on both real trees, as CI runs it: 62 real published
// stack traces mapped onto the index. Its figures go to the README; here it must run, classify
// every miss, and keep pair recall of the non-drift pairs at the issue's goal (98 %), which a
// resolution regression would break. Path agreement and candidates per site are reported, not
// asserted: their goals are not met (README, "Map a stack trace").
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { KERNEL_VERSIONS, kernelTree, sharedCache } from '../helpers/kernels';
import { format, measure } from '../../bench/traces';

const TRACES = path.join(__dirname, '..', 'fixtures', 'traces');

for (const version of KERNEL_VERSIONS) {
  describe(`traces benchmark on Linux ${version}`, () => {
    test('maps every real trace, classifies every miss, keeps pair recall of non-drift pairs at 98 %', async () => {
      const r = await measure(kernelTree(version), TRACES, 60, sharedCache());
      process.stdout.write(`# ${format(r).split('\n').join('\n# ')}\n`);
      assert.ok(r.traces >= 60, `${r.traces} traces`);
      assert.ok(r.pairs.evaluated > 800, `pairs in the index: ${r.pairs.evaluated}`);
      assert.equal(r.pairs.evaluated, r.pairs.reached + r.pairs.drift + r.pairs.gaps, 'every evaluated pair is reached, drift or a gap');
      // Misses also list pairs with a frame outside the index; the in-index ones are drift or gaps.
      assert.equal(r.misses.filter((m) => m.class !== 'drift: not in the index').length, r.pairs.drift + r.pairs.gaps);
      for (const m of r.misses) assert.match(m.class, /^(drift: |resolution gap$)/);
      assert.ok(r.pairs.recallOfNonDrift >= 0.98, `pair recall of non-drift pairs ${(r.pairs.recallOfNonDrift * 100).toFixed(1)} %; gaps: ${r.misses.filter((m) => m.class === 'resolution gap').map((m) => `${m.caller} -> ${m.callee}`).join(', ')}`);
      assert.equal(r.agreement.evaluated + r.agreement.leftForBudget, r.agreement.segments);
      assert.ok(r.addressTaken.share < 0.05, `address-taken functions with no caller at all: ${(r.addressTaken.share * 100).toFixed(1)} %`);
    });
  });
}
