// `netpath drops` and `netpath counter-sites`: drop sites and the counter map on the CLI.
import type { KernelIndex } from '../engine/indexer';
import type { CallGraph } from '../engine/callgraph/graph';
import { UnknownCounterError } from '../engine/drops/engine';
import type { Analysis } from '../engine/analysis/snapshot';
import type { DropSite } from '../engine/drops/types';
import { possibleReasons, reasonPhrase } from '../../../shared/drop-reason-text';
import { explanationMarkdown } from '../../../shared/counter-explanation';
import { explainCounter } from '../engine/drops/explain-counter';
import { validDriverName } from '../engine/drops/driver-sites';
import { UsageError, type ParsedArgs } from './args';

/** The index, its call graph (persisted with the index) and the analysis whose drop engine serves them. */
type Load = () => Promise<{ idx: KernelIndex; graph: CallGraph; analysis: Analysis }>;

/** `drops <function|file>` or `drops --path <from> <to>`. */
export async function runDrops(rest: string[], args: ParsedArgs, load: Load): Promise<number> {
  const json = args.flags.has('json');
  if (args.flags.has('path')) {
    if (!rest[0] || !rest[1]) throw new UsageError('netpath drops --path needs <from> <to>');
    const { graph, analysis } = await load();
    for (const n of [rest[0], rest[1]]) {
      if (!graph.idsOf(n).length) return fail(`no function "${n}" in the index`);
    }
    const r = await (await analysis.drops()).pathSites(rest[0], rest[1]);
    if (!r) return fail(`no call chain from ${rest[0]} to ${rest[1]}`);
    if (json) process.stdout.write(JSON.stringify({ from: rest[0], to: rest[1], functions: r.functions, sites: r.sites }) + '\n');
    else {
      process.stdout.write(`chain: ${r.functions.join(' -> ')}\n`);
      for (const s of r.sites) process.stdout.write(formatSite(s));
    }
    return 0;
  }
  if (!rest[0]) throw new UsageError('netpath drops needs a function name or a file of the tree');
  const { idx, graph, analysis } = await load();
  const target = rest[0].replace(/^\.\//, '');
  if (!idx.files.has(target) && !graph.idsOf(target).length) return fail(`no function or file "${target}" in the index`);
  const sites = await (await analysis.drops()).sites(target);
  if (json) process.stdout.write(JSON.stringify({ sites }) + '\n');
  else for (const s of sites) process.stdout.write(formatSite(s));
  return 0;
}

/** `counter-sites <name>`: where the kernel increments the counter user space sees as `name` (any name form `explain` takes). */
export async function runCounterSites(rest: string[], args: ParsedArgs, load: Load): Promise<number> {
  if (!rest[0]) throw new UsageError('netpath counter-sites needs a counter name (RcvbufErrors, Udp:InErrors, time_squeeze, rx_dropped, ...)');
  const { analysis } = await load();
  try {
    const driver = args.options.get('driver');
    if (driver !== undefined && !validDriverName(driver)) throw new UsageError(`--driver takes a driver's module name (virtio_net, loopback, veth), not ${JSON.stringify(driver)}`);
    const r = await (await analysis.drops()).counterSites(rest[0], driver !== undefined ? { driver } : {});
    if (args.flags.has('json')) process.stdout.write(JSON.stringify(r) + '\n');
    else {
      process.stdout.write(`${r.counter}  ${r.file}${r.prefixes ? ` (${r.prefixes.join(', ')})` : ''}${r.mib ? `  ${r.mib}` : ''}${r.field ? `  .${r.field}` : ''}\n`);
      // A plain name chose IPv4's counter: say which others it could have meant, and how to ask for them.
      if (r.also?.length) process.stdout.write(`  (${r.key}; also named so: ${r.also.join(', ')}: name one of those for its sites)\n`);
      if (r.driver) process.stdout.write(`  (driver ${r.driver.name}: ${r.driver.files} file${r.driver.files === 1 ? '' : 's'} in the tree; its sites first, then the core's)\n`);
      for (const s of r.sites) process.stdout.write(`  ${s.file}:${s.line}\t${s.function}\t${s.via}${s.group ? `\t${s.group}` : ''}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UnknownCounterError) return fail(e.message);
    throw e;
  }
}

/** `explain <counter>`: what it counts, the reasons beside it, where it rises, what to run next. */
export async function runExplain(rest: string[], args: ParsedArgs, load: Load): Promise<number> {
  if (!rest[0]) throw new UsageError('netpath explain needs a counter name (RcvbufErrors, Udp:RcvbufErrors, UdpRcvbufErrors, Udp6RcvbufErrors, ...)');
  const { analysis } = await load();
  try {
    const x = await explainCounter(await analysis.drops(), rest[0]);
    process.stdout.write(args.flags.has('json') ? JSON.stringify(x) + '\n' : explanationMarkdown(x));
    return 0;
  } catch (e) {
    if (e instanceof UnknownCounterError) return fail(e.message);
    throw e;
  }
}

function formatSite(s: DropSite): string {
  const what = s.kind === 'goto' ? `goto ${s.label} (line ${s.labelLine})` : `${s.kind} ${s.via ?? ''}`;
  const extra = [possibleReasons(s).length ? reasonPhrase({ ...s, reasonText: undefined }).replace(/^reason /, '') : '', s.counters.length ? `counters: ${s.counters.join(', ')}` : '', s.condition ? `if ${s.condition}` : '',
    s.notAlwaysDrop ? 'not always a drop' : '', s.through ? `through ${s.through.join(' -> ')}` : ''].filter(Boolean).join('; ');
  return `${s.file}:${s.line}\t${s.function}\t${what}${extra ? `\t${extra}` : ''}\n`;
}

function fail(msg: string): number {
  process.stderr.write(`netpath: ${msg}\n`);
  return 1;
}
