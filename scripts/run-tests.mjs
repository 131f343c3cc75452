// Runs every test file under test/ with node --test (TypeScript through tsx).
// Kernel trees and the 6.12 debug build are prepared first (scripts/fetch-kernels.sh,
// scripts/fetch-debug-build.sh) so that tests find them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const only = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'fixtures' && e.name !== 'e2e') walk(p);
    else if (e.name.endsWith('.test.ts')) files.push(path.relative(root, p));
  }
};
walk(path.join(root, 'test'));
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// The end-to-end suite in a real VS Code (code-server + Chromium, test/e2e/) runs last, on its
// own: it indexes the 6.1 tree from scratch and needs the CPU to itself.
const e2e = fs.readdirSync(path.join(root, 'test/e2e')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/e2e/${f}`)
  .filter((f) => !only.length || only.some((o) => f.includes(o)));
if (selected.length === 0 && e2e.length === 0) {
  console.error('run-tests: no test files selected');
  process.exit(1);
}
// System packages (ctags, gtags, cscope, linux-source): installed when root, else named.
const system = spawnSync('bash', [path.join(root, 'scripts/setup-system.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (system.status !== 0) console.error('run-tests: some system packages are missing; the tests that need them will fail and name them');
const kernels = spawnSync('bash', [path.join(root, 'scripts/fetch-kernels.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (kernels.status !== 0) console.error('run-tests: kernel trees are not ready; kernel tests will fail and say why');
// Debian's debug build of the 6.12 tree's kernel (~1 GB download once), for `stap -p2` checks.
const debug = spawnSync('bash', [path.join(root, 'scripts/fetch-debug-build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (debug.status !== 0) console.error('run-tests: the 6.12 debug build is not ready; stap pass-2 tests will fail and say why');
// Three phases, by a marker in each file's first lines:
//   `netpath-test: first`  - alone, before the rest (cli.test.ts: the cold index the others share);
//   `netpath-test: serial` - alone, after the rest: real UDP drops and the kfree_skb tracepoint
//                            (counts that another file's traffic would change), users and sshd,
//                            writes to the shared index, and the responsiveness test;
//   unmarked               - two files at a time (2 cores; many wait on stap, ssh or a child).
const markers = (f) => fs.readFileSync(path.join(root, f), 'utf8').split('\n', 40).join('\n');
const phaseOf = (f) => /netpath-test: (first|serial)\b/.exec(markers(f))?.[1] ?? 'parallel';
// `netpath-test: long` (minutes of stap, ssh or CLI runs) starts first in its phase, so the
// longest file does not run alone at the end.
const longFirst = (files) => [...files].sort((a, b) => Number(/netpath-test: long\b/.test(markers(b))) - Number(/netpath-test: long\b/.test(markers(a))) || a.localeCompare(b));
const phases = [
  ['first', 1],
  ['parallel', Number(process.env.NETPATH_TEST_CONCURRENCY ?? 2)],
  ['serial', 1],
];
const run = (files, concurrency) => spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...longFirst(files)], { cwd: root, stdio: 'inherit' }).status ?? 1;
let status = 0;
for (const [phase, concurrency] of phases) {
  const files = selected.filter((f) => phaseOf(f) === phase);
  if (!files.length) continue;
  console.log(`\nrun-tests: ${files.length} file(s), ${phase === 'parallel' ? `${concurrency} at a time` : `one at a time (${phase})`}`);
  status ||= run(files, concurrency);
}
const r = { status };
let e2eStatus = 0;
if (e2e.length) {
  console.log(`\nrun-tests: end-to-end suite in VS Code (${e2e.join(', ')})`);
  e2eStatus = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...e2e.sort()], { cwd: root, stdio: 'inherit' }).status ?? 1;
}
process.exit((r.status ?? 1) || e2eStatus);
