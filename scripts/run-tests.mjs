// Runs every test file under test/ with node --test (TypeScript through tsx).
// Kernel trees and the 6.12 debug build are prepared first (scripts/fetch-kernels.sh,
// scripts/fetch-debug-build.sh) so that tests find them.
import { spawn, spawnSync } from 'node:child_process';
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
// The end-to-end suite in a real VS Code (code-server + Chromium, test/e2e/): last in the side
// lane, after the cold index, whose copy it starts from (NETPATH_E2E_COLD=1: from scratch).
const e2e = fs.readdirSync(path.join(root, 'test/e2e')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/e2e/${f}`)
  .filter((f) => !only.length || only.some((o) => f.includes(o)));
if (selected.length === 0 && e2e.length === 0) {
  console.error('run-tests: no test files selected');
  process.exit(1);
}
// System packages (ctags, gtags, cscope, linux-source): installed when root, else named.
const system = spawnSync('bash', [path.join(root, 'scripts/setup-system.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (system.status !== 0) console.error('run-tests: some system packages are missing; the tests that need them will fail and name them');
const kernels = spawnSync('bash', [path.join(root, 'scripts/fetch-kernels.sh'), '--pinned'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (kernels.status !== 0) console.error('run-tests: kernel trees are not ready; kernel tests will fail and say why');
// Debian's debug build of the 6.12 tree's kernel (~1 GB download once), for `stap -p2` checks.
const debug = spawnSync('bash', [path.join(root, 'scripts/fetch-debug-build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (debug.status !== 0) console.error('run-tests: the 6.12 debug build is not ready; stap pass-2 tests will fail and say why');
// Three phases, by a marker in each file's first lines and by folder:
//   `netpath-test: first` - before the kernel files (cli.test.ts: the cold index the others
//                           share), beside the early lane: test/unit one at a time, then the host
//                           files of test/system one at a time (none of them reads the index);
//   then two lanes side by side:
//     readers (unmarked)  - two files at a time; they only read the shared index (or a copy);
//     side                - one at a time: first the `netpath-test: host` files, real UDP drops
//                           and the kfree_skb tracepoint (counts another such file's traffic would
//                           change), users, sudo, sshd and network namespaces, which mostly wait
//                           (on intervals, ssh, traffic); then the `netpath-test: side` files,
//                           whose language servers build graphs and should not run two at once;
//   last, the end-to-end suite in VS Code (test/e2e/), which keeps one core busy and leaves the
//   other mostly idle: beside it only the `netpath-test: tail` files, one at a time (readers
//   that fill that core). Beside two readers its UI steps timed out, and it runs a live drop
//   session with UDP drops, never to be beside a host file.
// node --test runs the files it is given in its own order (by path), so each group whose order
// matters is its own node --test run.
const markers = (f) => fs.readFileSync(path.join(root, f), 'utf8').split('\n', 40).join('\n');
const markOf = (f) => /netpath-test: (first|host|side|tail)\b/.exec(markers(f))?.[1] ?? 'readers';
// test/unit and test/system read no kernel index: they run beside the cold index, which leaves
// about a third of the two cores idle (its workers wait on each other and on the disk).
const early = (f) => f.startsWith('test/unit/') || f.startsWith('test/system/');
const lanes = {
  first: 1,
  early: 1,
  readers: Number(process.env.NETPATH_TEST_CONCURRENCY ?? 2),
  side: 1,
  e2e: 1,
  tail: 1,
};
/** Lanes that only fill the idle share of the cores beside the lane they run with. */
const FILLERS = new Set(['early', 'tail']);
const hasNice = spawnSync('nice', ['true']).status === 0;
/** One `node --test` over a lane's files; its lines go out whole, prefixed with the lane when two run at once. */
const runLane = (lane, files, prefix) => new Promise((resolve) => {
  console.log(`\nrun-tests: ${lane}: ${files.length} file(s), ${lanes[lane] > 1 ? `${lanes[lane]} at a time` : 'one at a time'}`);
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${lanes[lane]}`, ...files];
  // A lane that fills idle time beside a longer one yields the CPU to it (nice 10): the cold index
  // and the end-to-end run keep their pace, the filler takes what they leave.
  const [cmd, argv] = FILLERS.has(lane) && hasNice ? ['nice', ['-n', '10', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', prefix ? 'pipe' : 'inherit', prefix ? 'pipe' : 'inherit'] });
  if (prefix) {
    for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      let rest = '';
      from.setEncoding('utf8');
      from.on('data', (d) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop();
        if (lines.length) to.write(lines.map((l) => `[${lane}] ${l}\n`).join(''));
      });
      from.on('end', () => rest && to.write(`[${lane}] ${rest}\n`));
    }
  }
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 1)));
});
// tracefs: a fresh boot of these machines leaves it unmounted, and files in both lanes read it
// (bpftrace -d checks tracepoints against it; live sessions are watched from outside). One mount
// for the whole run, never one per file (a file unmounting it under another lane's session would
// race), undone at the end so the machine is left as found. A file run alone mounts it itself
// (useTracefs in test/helpers/live-session.ts).
const TRACEFS = '/sys/kernel/tracing';
let mountedTracefs = false;
if (process.getuid?.() === 0 && !fs.existsSync(path.join(TRACEFS, 'events'))) {
  const m = spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { encoding: 'utf8', timeout: 10_000 });
  if (m.status === 0) mountedTracefs = true;
  else console.error(`run-tests: mount -t tracefs nodev ${TRACEFS} failed (${m.error?.message ?? m.stderr.trim()}); the tests that need it will fail and say so`);
}
const filesOf = {
  first: selected.filter((f) => markOf(f) === 'first'),
  // The unit files, then the host files among them (one at a time, as in the side lane).
  early: [selected.filter((f) => early(f) && markOf(f) === 'readers'), selected.filter((f) => early(f) && markOf(f) === 'host')],
  readers: selected.filter((f) => !early(f) && markOf(f) === 'readers'),
  side: [selected.filter((f) => !early(f) && markOf(f) === 'host'), selected.filter((f) => markOf(f) === 'side')],
  e2e: [...e2e].sort(),
  tail: selected.filter((f) => markOf(f) === 'tail'),
};
const started = Date.now();
const took = (what, t0) => console.log(`run-tests: ${what} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
// Every phase runs, whatever the last one said: a failure must not hide the next phase's.
let status = 0;
for (const phase of [['first', 'early'], ['readers', 'side'], ['e2e', 'tail']]) {
  const present = phase.filter((lane) => filesOf[lane].flat().length);
  if (!present.length) continue;
  const t0 = Date.now();
  const codes = await Promise.all(present.map(async (lane) => {
    const t1 = Date.now();
    // A lane is one list of files, or groups of them run one after the other.
    const groups = Array.isArray(filesOf[lane][0]) ? filesOf[lane].filter((g) => g.length) : [filesOf[lane]];
    let code = 0;
    for (const g of groups) {
      const c = await runLane(lane, g, present.length > 1);
      code ||= c;
    }
    took(`the ${lane} lane`, t1);
    return code;
  }));
  took(present.join(' + '), t0);
  status ||= codes.find((c) => c !== 0) ?? 0;
}
took('the test files', started);
if (mountedTracefs) {
  const u = spawnSync('umount', [TRACEFS], { encoding: 'utf8', timeout: 10_000 });
  if (u.status !== 0) {
    console.error(`run-tests: umount ${TRACEFS} failed (${u.error?.message ?? u.stderr.trim()}): something a test started still holds it`);
    status ||= 1;
  }
}
process.exit(status);
