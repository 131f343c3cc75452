// `npm start -- [kernel-dir]`: index a kernel tree (default: the cached Debian 6.1 tree,
// fetched on first use) and print what was found. The VS Code launch replaces this once the
// end-to-end issue lands.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
let kernel = process.argv[2];
if (!kernel) {
  const r = spawnSync('bash', ['scripts/fetch-kernels.sh', '6.1'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
  kernel = r.stdout.trim().split('\n').pop().split(' ').slice(1).join(' ');
}
run('node', ['scripts/build.mjs']);
run(process.execPath, ['dist/netpath.js', 'index', kernel]);
for (const sym of ['tap_handle_frame', 'udp_rcv']) {
  console.log(`\n$ netpath def ${sym}`);
  run(process.execPath, ['dist/netpath.js', 'def', sym, '--kernel', kernel, '--quiet']);
}
console.log('\n$ netpath refs udp_rcv');
run(process.execPath, ['dist/netpath.js', 'refs', 'udp_rcv', '--kernel', kernel, '--quiet']);
