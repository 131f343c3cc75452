// The `netpath` bin. A warm `def` or `refs` is answered here from the symbols lookup file
// (engine/lookup/symbol-lookup.ts) without loading the rest of the CLI (tree-sitter, the call
// graph, probes): that load alone took longer than node's own start-up. Anything else, and any
// lookup that cannot answer (no file, another state, a moved folder, a changed file, a damaged
// block, no entry), goes to the whole CLI (netpath-full.js, cli/netpath.ts), which answers from
// the index and writes the lookup again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParsedArgs } from './args';
import { checkKernelTree, parseScope } from '../engine/kernel-tree';
import { baseKnowledge } from '../engine/knowledge';
import { lookupInCache } from '../engine/lookup/symbol-lookup';
import { printLookup } from './lookup-output';

/** Options the fast path understands; any other argument goes to the whole CLI. */
const FLAGS = ['json', 'quiet', 'verbose'];
const OPTIONS = ['kernel', 'cache', 'scope'];

function fast(argv: string[]): number | undefined {
  const cmd = argv[0];
  if (cmd !== 'def' && cmd !== 'refs') return undefined;
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, { flags: FLAGS, options: OPTIONS });
  } catch {
    return undefined; // the whole CLI reports the usage error
  }
  if (args.positional.length !== 2) return undefined;
  const name = args.positional[1];
  let root: string;
  try {
    root = checkKernelTree(path.resolve(args.options.get('kernel') ?? '.'));
  } catch {
    return undefined;
  }
  const scope = parseScope(args.options.get('scope'), baseKnowledge().defaultScope);
  const r = lookupInCache(root, scope, args.options.get('cache'), name);
  const verbose = args.flags.has('verbose');
  if ('problem' in r) {
    if (verbose) process.stderr.write(`netpath: info: symbols lookup: ${r.problem}; reading the index\n`);
    return undefined;
  }
  const found = cmd === 'def' ? r.answer.d : r.answer.r;
  // An empty answer is asked of the index: a name defined only in a file edited in place since
  // is not in the lookup, and "not found" must not be the lookup's word alone.
  if (!found.length) return undefined;
  if (verbose) process.stderr.write('netpath: info: answered from the symbols lookup (its files and every folder in scope unchanged)\n');
  return printLookup(cmd, name, found, scope, args.flags.has('json'));
}

const argv = process.argv.slice(2);
let code: number | undefined;
try {
  code = fast(argv);
} catch (e) {
  // A lookup that cannot be read for a reason not foreseen: the index answers instead.
  if (process.env.NETPATH_DEBUG) process.stderr.write(`netpath: debug: symbols lookup failed: ${(e as Error).stack}\n`);
}
if (code !== undefined) process.exitCode = code;
else {
  // Bundled: the whole CLI is its own file beside this one. From source (tsx): the module itself.
  const bundled = path.join(__dirname, 'netpath-full.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the whole CLI is loaded only when needed
  (require(fs.existsSync(bundled) ? bundled : './netpath') as { run: (argv: string[]) => void }).run(argv);
}
