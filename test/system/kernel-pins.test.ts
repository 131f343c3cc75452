// The pinned kernel trees (kernel-pins.txt): the fetch script, against Debian's real archive
// index (apt-cache), and the tests' own check of the unpacked tree's stamp.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelTree, pinnedVersion } from '../helpers/kernels';

const ROOT = path.join(__dirname, '..', '..');
const FETCH = path.join(ROOT, 'scripts', 'fetch-kernels.sh');

function madison(pkg: string): string[] {
  const r = spawnSync('apt-cache', ['madison', pkg], { encoding: 'utf8' });
  assert.equal(r.status, 0, `apt-cache madison ${pkg} (Debian's apt): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('|')[1].trim());
}

test('kernel-pins.txt names one served version of each tested series', () => {
  for (const series of ['6.1', '6.12'] as const) {
    const pinned = pinnedVersion(series);
    assert.match(pinned, /^\d+\.\d+\.\d+-\d+/);
    assert.ok(madison(`linux-source-${series}`).includes(pinned), `linux-source-${series}=${pinned} is not served: npm run pin`);
  }
  assert.ok(madison(`linux-image-${pinnedVersion('6.12').split('-')[0]}+deb12-amd64-dbg`).includes(pinnedVersion('6.12')), 'the 6.12 debug build of the pinned version');
});

test('a pin the archives no longer serve stops the set-up, naming it and the command that moves it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-pins-'));
  try {
    const pins = path.join(dir, 'kernel-pins.txt');
    fs.writeFileSync(pins, 'linux-source-6.12 6.12.1-1~deb12u1\n');
    const r = spawnSync('bash', [FETCH, '--pinned', '6.12'], { encoding: 'utf8', env: { ...process.env, NETPATH_KERNEL_PINS: pins, NETPATH_KERNEL_CACHE: path.join(dir, 'kernels') }, timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the archives no longer serve linux-source-6\.12=6\.12\.1-1~deb12u1/);
    const newest = madison('linux-source-6.12')[0];
    assert.ok(r.stderr.includes(`npm run pin -- 6.12=${newest}`), r.stderr);
    // Nothing half-made is left to be trusted later.
    assert.ok(!fs.existsSync(path.join(dir, 'kernels', 'linux-source-6.12')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a tree unpacked from another release than the pin is refused, naming npm run kernels', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-pins-'));
  const saved = process.env.NETPATH_KERNEL_CACHE;
  try {
    fs.mkdirSync(path.join(dir, 'linux-source-6.12'));
    fs.writeFileSync(path.join(dir, 'linux-source-6.12', '.netpath-unpacked'), '6.12.999-1~deb12u1\n');
    process.env.NETPATH_KERNEL_CACHE = dir;
    assert.throws(() => kernelTree('6.12'), new RegExp(`holds linux-source-6\\.12 6\\.12\\.999-1~deb12u1, but the suite is pinned to ${pinnedVersion('6.12').replace(/[.~]/g, '\\$&')} .*npm run kernels`));
    fs.writeFileSync(path.join(dir, 'linux-source-6.12', '.netpath-unpacked'), `${pinnedVersion('6.12')}\n`);
    assert.equal(kernelTree('6.12'), path.join(dir, 'linux-source-6.12'));
  } finally {
    if (saved === undefined) delete process.env.NETPATH_KERNEL_CACHE;
    else process.env.NETPATH_KERNEL_CACHE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
