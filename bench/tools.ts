// The external indexers the benchmark measures against. Each gets the same file list (paths
// relative to the tree root, one a line) and writes its database into its own temp folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onPath, runTimed, type RunResult } from './measure';

export interface Tool {
  name: string;
  /** Debian package that provides the executable. */
  pkg: string;
  exe: string;
  /** Human-readable command, printed with the results. */
  describe(listFile: string, outDir: string): string;
  run(root: string, listFile: string, outDir: string): RunResult;
}

/** Environment without the user's GNU Global settings, so gtags uses its built-in defaults. */
function cleanGlobalEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['GTAGSCONF', 'GTAGSLABEL', 'GTAGSROOT', 'GTAGSDBPATH', 'GTAGSOBJDIRPREFIX', 'MAKEOBJDIRPREFIX', 'GTAGSFORCECPP']) delete env[k];
  return env;
}

const ctagsArgs = (listFile: string, outDir: string) =>
  ['--language-force=C', '--kinds-C=+p', '-f', path.join(outDir, 'tags'), '-L', listFile];
const gtagsArgs = (listFile: string, outDir: string) => ['-q', '-f', listFile, outDir];
const cscopeArgs = (listFile: string, outDir: string) => ['-b', '-q', '-k', '-i', listFile, '-f', path.join(outDir, 'cscope.out')];

export const TOOLS: Tool[] = [
  {
    name: 'ctags', pkg: 'universal-ctags', exe: 'ctags',
    // C kinds: the defaults (functions, macros, structs, unions, enums, members, typedefs,
    // variables) plus prototypes.
    describe: (l, o) => `ctags ${ctagsArgs(l, o).join(' ')}`,
    run: (root, l, o) => runTimed('ctags', ctagsArgs(l, o), { cwd: root }),
  },
  {
    name: 'gtags', pkg: 'global', exe: 'gtags',
    describe: (l, o) => `gtags ${gtagsArgs(l, o).join(' ')} (built-in parser, default configuration)`,
    run: (root, l, o) => runTimed('gtags', gtagsArgs(l, o), { cwd: root, env: cleanGlobalEnv() }),
  },
  {
    name: 'cscope', pkg: 'cscope', exe: 'cscope',
    describe: (l, o) => `cscope ${cscopeArgs(l, o).join(' ')}`,
    run: (root, l, o) => runTimed('cscope', cscopeArgs(l, o), { cwd: root }),
  },
];

/** Fails with the Debian packages to install when an anchor tool is missing. */
export function checkTools(): void {
  const missing = TOOLS.filter((t) => !onPath(t.exe));
  if (missing.length) {
    throw new Error(`missing external tool${missing.length > 1 ? 's' : ''}: ${missing.map((t) => `${t.exe} (Debian package "${t.pkg}")`).join(', ')}. ` +
      `Install with: sudo apt-get install ${missing.map((t) => t.pkg).join(' ')}`);
  }
}

export function freshDir(parent: string, name: string): string {
  const d = path.join(parent, name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}
