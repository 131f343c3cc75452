// Runs every test file under test/ with node --test (TypeScript through tsx).
// Kernel trees are prepared first (scripts/fetch-kernels.sh) so that tests find them.
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
if (selected.length === 0) {
  console.error('run-tests: no test files selected');
  process.exit(1);
}
// System packages (ctags, gtags, cscope, linux-source): installed when root, else named.
const system = spawnSync('bash', [path.join(root, 'scripts/setup-system.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (system.status !== 0) console.error('run-tests: some system packages are missing; the tests that need them will fail and name them');
const kernels = spawnSync('bash', [path.join(root, 'scripts/fetch-kernels.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (kernels.status !== 0) console.error('run-tests: kernel trees are not ready; kernel tests will fail and say why');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...selected.sort()], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
