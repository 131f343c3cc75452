// Type check and lint side by side (npm test): tsc and eslint each use one core, so on two cores
// running them at once saves the shorter one's time. Both always run; either failing fails.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (script) => new Promise((resolve) => {
  let out = '';
  const child = spawn(npm, ['run', '--silent', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.on('close', (code) => resolve({ script, code: code ?? 1, out }));
});
const results = await Promise.all([run('typecheck'), run('lint')]);
for (const r of results) {
  // Output whole, one after the other, so the two never interleave.
  process.stdout.write(`check: npm run ${r.script}: ${r.code === 0 ? 'ok' : `failed (exit ${r.code})`}\n${r.out}`);
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
