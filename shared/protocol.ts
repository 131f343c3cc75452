// The netpath client/server contract: every custom message and the settings, declared once.
// Imported by the language server, the VS Code client and the tests, so it must not import `vscode`.
import type { SvgElement } from './path-map';
import { NotificationType, RequestType, RequestType0, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { CounterExplanation } from './counter-explanation';

// ---- Index state --------------------------------------------------------------------------

/** Summary of an opened index, as shown in the status bar and returned by requests. */
export interface IndexSummary {
  root: string;
  /** Kernel version from the top Makefile, e.g. "6.12.117". */
  version: string | undefined;
  scope: string[];
  files: number;
  functions: number;
  /** Files parsed by this open; the rest came from the cache. */
  indexed: number;
  fromCache: number;
  skipped: number;
  /** Wall time of the open, in seconds. */
  seconds: number;
}

/**
 * starting: no folder opened yet; indexing: an open is running; ready: requests are answered;
 * unavailable: not a kernel tree, no folder, or the open failed or was cancelled (see message).
 */
export type IndexState = 'starting' | 'indexing' | 'ready' | 'unavailable';

export interface IndexStatus {
  state: IndexState;
  /** While indexing: files parsed so far and files to parse. */
  done?: number;
  total?: number;
  /** Why the index is unavailable, or what it is doing. */
  message?: string;
  /** The index being served; kept while a re-index runs. */
  summary?: IndexSummary;
  /** Single-file updates applied since the last full open (edits, saves, file events). */
  fileUpdates: number;
}

// ---- Messages -----------------------------------------------------------------------------

/** Server → client: an index is open and answering requests. Sent after every full open. */
export const IndexReadyNotification = new NotificationType<IndexSummary>('netpath/indexReady');

/** Server → client: the index state changed, or indexing progressed (throttled). Drives the status bar. */
export const IndexStatusNotification = new NotificationType<IndexStatus>('netpath/indexStatusChanged');

/** Client → server: the current index state. */
export const IndexStatusRequest = new RequestType0<IndexStatus, void>('netpath/indexStatus');

/**
 * Client → server: open the index again (files changed on disk outside the editor, or after a
 * cancelled or failed open). Answers with the new summary, or null when the folder cannot be indexed.
 */
export const ReindexRequest = new RequestType0<IndexSummary | null, void>('netpath/reindex');

/** How the server's own thread is doing: its event loop's delays and its memory. */
export interface ServerHealth {
  /** Event loop delay since the server started or since the last reset, in ms (10 ms resolution). */
  eventLoop: { maxMs: number; p99Ms: number; meanMs: number; sinceMs: number };
  /** The longest stalls seen (over 50 ms), newest last, with what the server was doing. */
  stalls: Array<{ ms: number; at: number; during: string }>;
  rssMB: number;
  heapUsedMB: number;
}

/**
 * Client → server: the server's health. `reset` starts a new measuring window. Used by the
 * responsiveness benchmark (npm run bench -- editor) and shown by *netpath: Show server health*.
 */
export const ServerHealthRequest = new RequestType<{ reset?: boolean }, ServerHealth, void>('netpath/serverHealth');

// ---- Receive path -------------------------------------------------------------------------

/** How a call site reaches its callee (mirrors the engine's EdgeKind). */
export type CallKind = 'direct' | 'macro' | 'field' | 'registered' | 'variable' | 'queued';

/** How both sides word a call's kind: "direct", "macro · 1 candidate", "field · 2 candidates". */
export function callKindLabel(kind: CallKind, candidates?: number): string {
  return candidates === undefined ? kind : `${kind} · ${candidates} candidate${candidates === 1 ? '' : 's'}`;
}

/** Paths asked for when a request names no maximum, and the most a request may ask for. */
export const DEFAULT_RECEIVE_PATHS = 3;
export const MAX_RECEIVE_PATHS = 20;

/** A function registered as a NAPI poll handler (flows into `napi_struct.poll`). */
export interface ReceivePathEntryPoint {
  name: string;
  /** Tree-relative path and 1-based line of the definition. */
  file: string;
  line: number;
  uri: string;
}

/** Client → server: the NAPI poll functions of the index, sorted by name. Builds the call graph on first use. */
export const ReceivePathEntryPointsRequest = new RequestType<WorkDoneProgressParams, ReceivePathEntryPoint[], void>('netpath/receivePathEntryPoints');

export interface ReceivePathParams extends WorkDoneProgressParams {
  /** Function name to start from. */
  from: string;
  /**
   * End point function names. Absent or empty means the defaults, which follow the start: from a
   * NAPI poll function or any function before socket delivery, SOCKET_DELIVERY (and, for a
   * function that is not a NAPI poll function, also the chains from NAPI poll functions to it:
   * `inbound`); from a SOCKET_DELIVERY function, only `inbound`.
   */
  to?: string[];
  /** How many chains, most likely first, over all end points (default DEFAULT_RECEIVE_PATHS, at most MAX_RECEIVE_PATHS). */
  max?: number;
  /** Chains must pass these functions, in order (`netpath path --via`). */
  via?: string[];
  /** Chains must not pass these functions (`--avoid`). */
  avoid?: string[];
  /** Leave out indirect calls with more candidates than this (`--max-candidates`). */
  maxCandidates?: number;
}

/** One call of a chain. `file` is relative to the tree, `line` 1-based, `col` 0-based (UTF-16). */
export interface ReceivePathHop {
  caller: string;
  callee: string;
  file: string;
  line: number;
  col: number;
  kind: CallKind;
  /** For indirect calls: how many candidates the call site resolved to. */
  candidates?: number;
  /** The hop's cost in the ranking (1 for a direct call, more for a less likely one) and why, when the ranking chose. */
  cost?: number;
  why?: string;
  /** The call site's file as a URI, under the folder the editor opened. */
  uri: string;
}

/** A function on a chain: where it is defined and how many drop sites it has. */
export interface ReceivePathFunction {
  name: string;
  /** Tree-relative file, 1-based line of the definition, and the file's URI. */
  file: string;
  line: number;
  uri: string;
  /** Drop sites in this function (the drop-site engine's), and their distinct SKB_DROP_REASON_* names. */
  drops: number;
  reasons: string[];
}

/** Chains of one direction, most likely first, each with its cost and its functions (start first, one more than hops). */
export interface ReceivePathLeg {
  paths: ReceivePathHop[][];
  costs: number[];
  functions: ReceivePathFunction[][];
}

/** Where the start sits on the receive path, which decides the default end points. */
export type ReceivePathStart = 'napi-poll' | 'socket-delivery' | 'other';

export interface ReceivePathResult {
  from: string;
  /** Set when the request named no end point: what the start is, so the view can say what it searched. */
  start?: ReceivePathStart;
  /** The end points searched (the defaults when the request named none). */
  to: string[];
  /** Index root on disk, and the URI of the folder hop URIs are under. */
  root: string;
  rootUri: string;
  /** Most likely chains first; empty when no end point is reachable or `from` is unknown. */
  paths: ReceivePathHop[][];
  /** Each chain's total cost (the sum of its hops'), in the same order. */
  costs: number[];
  /** Each chain's functions, start first (one more than its hops), with their drop-site counts. */
  functions: ReceivePathFunction[][];
  /** Default end points only, and `from` is not a NAPI poll function: chains from NAPI poll functions to `from`. */
  inbound?: ReceivePathLeg;
  /** The filters applied, as the request gave them. */
  via?: string[];
  avoid?: string[];
  maxCandidates?: number;
}

/** Client → server: up to `max` shortest call chains from `from` to any end point. Builds the call graph on first use. */
export const ReceivePathRequest = new RequestType<ReceivePathParams, ReceivePathResult, void>('netpath/receivePath');

// ---- Probes -------------------------------------------------------------------------------

/** function: entry and return; line: one statement; drops: which drop site fires; path: one probe per hop. */
export type ProbeMode = 'function' | 'line' | 'drops' | 'path';

/** The editor commands that generate probes (package.json contributes them; code lenses run them). */
export const PROBE_COMMANDS = {
  function: 'netpath.probeFunction',
  line: 'netpath.probeLine',
  drops: 'netpath.probeDrops',
  path: 'netpath.probeReceivePath',
} as const satisfies Record<ProbeMode, string>;

/** The script language: SystemTap, or bpftrace. */
export type ProbeTool = 'stap' | 'bpftrace';
const PROBE_TOOLS: readonly ProbeTool[] = ['stap', 'bpftrace'];

/** The bpftrace variants of the probe commands (bpftrace attaches to symbols, so no line mode). */
export const BPFTRACE_PROBE_COMMANDS = {
  function: 'netpath.probeFunctionBpftrace',
  drops: 'netpath.probeDropsBpftrace',
  path: 'netpath.probeReceivePathBpftrace',
} as const satisfies Partial<Record<ProbeMode, string>>;

/** "netpath: Probe for host…": asks a host and what to probe at the cursor, fits the script to the host. */
export const PROBE_FOR_HOST_COMMAND = 'netpath.probeForHost';

/** The host name that means this machine (facts read with a local `sh -s`, no ssh). */
export const LOCAL_PROBE_HOST = 'local';

export interface GenerateProbeParams extends WorkDoneProgressParams {
  mode: ProbeMode;
  /** The script language; absent means the `netpath.probes.defaultTool` setting. */
  tool?: ProbeTool;
  /**
   * Fit the script to this host: LOCAL_PROBE_HOST, or an ssh host (a Host of ~/.ssh/config or
   * [user@]name, whose key is already in known_hosts). Its facts are collected read-only, without
   * root, and cached per host in the cache folder.
   */
  host?: string;
  /** The C document the command ran in (function, line, drops; path when `function` is absent). */
  uri?: string;
  /** 0-based line in `uri`: the line to probe, or a line inside the function meant. */
  line?: number;
  /** function, drops: the function (else the one around `line`); path: where the path starts. */
  function?: string;
  /** path: where it ends; absent means the nearest of SOCKET_ENQUEUE_FUNCTIONS. */
  to?: string;
}

export interface GenerateProbeResult {
  /** "entry and return of ip_rcv", for the editor title and messages. */
  title: string;
  /** Suggested file name, e.g. "ip_rcv.stp". */
  fileName: string;
  /** Language of `text`. */
  languageId: 'systemtap' | 'bpftrace';
  text: string;
  /** Every probe point in the script. */
  points: string[];
}

/**
 * Client → server: a SystemTap or bpftrace script for a function, a line, a function's drop sites
 * or a receive path, fitted to `host` when given. Fails with a message naming the problem (no
 * function at the cursor, no drop sites, no path, a host that cannot be reached). Builds the call
 * graph on first use (path and drops modes); reports progress while it collects a host's facts.
 */
export const GenerateProbeRequest = new RequestType<GenerateProbeParams, GenerateProbeResult, void>('netpath/generateProbe');

/** Arguments of a probe command run from a code lens: the function's document, name and 0-based line. */
export interface ProbeCommandArgs {
  uri: string;
  function: string;
  line: number;
}

// ---- Live counters ------------------------------------------------------------------------

/** Client → server: the kernel lines that increment a counter (from the drop-site engine). */
export interface CounterSitesParams extends WorkDoneProgressParams {
  /** A counter name in any form shared/counter-names.ts resolveCounter takes: the panel sends keys ("Udp:RcvbufErrors", "/proc/net/softnet_stat:dropped", "rx_dropped"). */
  counter: string;
  /** A device counter's driver as the host names it (ethtool -i: "virtio_net", "veth"; "loopback" for lo): its sites first. */
  driver?: string;
}

export interface CounterSiteLocation {
  function: string;
  /** Tree-relative path, 1-based line, and the file's URI under the opened folder. */
  file: string;
  line: number;
  uri: string;
  /** How the counter is bumped there (`__UDP_INC_STATS`, `atomic_inc`, `++`). */
  via: string;
  /** With a driver asked for: the driver's own code, the device-independent core, or another driver. */
  group?: 'driver' | 'core' | 'other';
}

export interface CounterSitesResult {
  counter: string;
  /** The counter the name resolved to ("Udp:RcvbufErrors"), whichever form was sent. */
  key: string;
  /** Where user space reads it ("/proc/net/snmp"). */
  file: string;
  mib: string | null;
  sites: CounterSiteLocation[];
  /** The driver the sites were ordered for, and how many of the tree's files Kbuild links into it. */
  driver?: { name: string; files: number };
}

/** Client → server: increment sites of one counter; fails with a message naming the candidates when the name is ambiguous or unknown. */
export const CounterSitesRequest = new RequestType<CounterSitesParams, CounterSitesResult, void>('netpath/counterSites');

/** One counter row of the panel. `value` is a decimal string: counters are 64-bit. */
export interface CounterRowView {
  key: string;
  name: string;
  label?: string;
  value: string;
  /** Per second; null before the second sample, after a reset, and for gauges. */
  rate: number | null;
  gauge: boolean;
  drop: boolean;
  /** A drop or error counter rising now. */
  hot: boolean;
  /** Recent rates (oldest first) for the sparkline; absent when the counter never moved. */
  history?: number[];
  /** The sparkline's scale: lowest and highest rate in `history`, and the seconds it covers. */
  min?: number;
  max?: number;
  windowS?: number;
  /** Hover text for the name (a socket's inode and addresses). */
  tooltip?: string;
  /** The name to ask CounterSitesRequest for, when the drop engine can know this counter. */
  sitesName?: string;
}

/** A row of "Now dropping": the counter's row and the source it is listed under. */
export interface DroppingRowView extends CounterRowView {
  source: string;
}

export interface CounterSourceView {
  source: string;
  /** Read status on the host ("ok", "missing", "denied", "error", "nostats"). */
  status: string;
  rows: CounterRowView[];
}

/** One cpu of the per-cpu view: softnet_stat, NET_RX softirqs, the NIC's IRQs and TLB shootdowns, per second. */
export interface CpuRowView {
  cpu: number;
  processed: number | null;
  dropped: number | null;
  timeSqueeze: number | null;
  netRx: number | null;
  nicIrqs: number | null;
  tlb: number | null;
}

export type CountersFeedState = 'connecting' | 'streaming' | 'reconnecting' | 'failed' | 'stopped';

/** Extension → counters webview. */
export type CountersToWebview =
  | { type: 'state'; host: string; state: CountersFeedState; message?: string }
  | {
    type: 'sample'; host: string; release: string; uptime: number; totalDropRate: number; rebooted: boolean;
    /** Set when the host's `uname -r` is not the indexed tree's version. */
    versionWarning?: string;
    sources: CounterSourceView[]; cpus: CpuRowView[]; nicIrqNames: string[];
    /** Every drop or error counter rising now, fastest first: the panel's "Now dropping" section. */
    dropping: DroppingRowView[];
  }
  | { type: 'sites'; key: string; result?: CounterSitesResult; error?: string }
  /** The live drop session on the panel's host (its "Drops by location" section); none: the section hides. */
  | { type: 'liveDrops'; session?: LiveLocationsView };

/** "Drops by location": the latest interval of a live drop session, rows sorted by rate. */
export interface LiveLocationsView {
  host: string;
  seq: number;
  /** Why the lines are approximate (the indexed tree is not the host's kernel). */
  approximate?: string;
  /** Drops at the tree's sites, and locations no site fits. */
  rows: LiveLocationRowView[];
  /** Frees that are probably not drops, apart. */
  freed: LiveLocationRowView[];
  /** Events the kernel lost or the session sampled, said in the section's title. */
  lost: number;
  capped: number;
}

export interface LiveLocationRowView {
  /** `udp_queue_rcv_one_skb+0x437` */
  location: string;
  reason: string;
  ratePerS: number;
  /** `net/ipv4/udp.c:2153`, `one of 3 sites`, `no site of this reason`, `called from …`. */
  where: string;
  /** Longer words for the tooltip (the attribution's note). */
  note: string;
  /** Where a click goes: the site (the first of several), or a free's first caller. */
  open?: { uri: string; line: number };
}

/** Counters webview → extension. */
export type CountersFromWebview =
  | { type: 'ready' }
  | { type: 'showSites'; key: string; sitesName: string }
  | { type: 'openSite'; uri: string; line: number }
  | { type: 'pickHost' };

// ---- Receive path map (webview) ----------------------------------------------------------

/** Extension → map webview: the laid-out map (shared/path-map.ts), or why there is none. */
export type PathMapToWebview =
  | { type: 'render'; title: string; summary: string; svg: SvgElement }
  | { type: 'empty'; message: string };

/** Map webview → extension. `target` indexes the click targets of the last render (a node's definition, an edge's call site). */
export type PathMapFromWebview =
  | { type: 'ready' }
  | { type: 'open'; target: number }
  | { type: 'export' };

// ---- Live drops -----------------------------------------------------------------------------

/** One aggregated kfree_skb location of an interval, as the host's session reported it. */
export interface LiveDropInputRow {
  fn?: string;
  offset?: number;
  size?: number;
  address?: string;
  reason?: string;
  count: number;
}

export interface LiveDropsAttributeParams extends WorkDoneProgressParams {
  /** The host's `uname -r`, for the version guard. */
  release: string;
  /** Seconds the interval covered (host uptime). */
  seconds: number;
  seq: number;
  rows: LiveDropInputRow[];
  events: number;
  lost: number;
  capped: number;
  sampleEvery: number;
}

export interface LiveDropSiteView { file: string; line: number; function: string; uri: string; reasons: string[]; inlinedInto?: string }

export interface LiveDropRowView {
  location: string;
  fn?: string;
  reason?: string;
  count: number;
  ratePerS: number;
  /** drop: at the listed sites; freed: probably not a drop; unmapped: no site of the tree fits. */
  verdict: 'drop' | 'freed' | 'unmapped';
  note: string;
  sites: LiveDropSiteView[];
  /** freed: the callers on the indexed receive path that call the freeing function (call-site file:line). */
  callers?: LiveDropCallerView[];
}

/** A caller of a generic freeing helper, at its call: "called from udp_destruct_sock (net/ipv4/udp.c:1669)". */
export interface LiveDropCallerView { function: string; file: string; line: number; uri: string; via: string[] }

export interface LiveDropsAttributeResult {
  approximate: boolean;
  approximateWhy?: string;
  rows: LiveDropRowView[];
}

/** Client → server: one interval of a live drop session (run by the client) attributed to the tree's drop sites. */
export const LiveDropsAttributeRequest = new RequestType<LiveDropsAttributeParams, LiveDropsAttributeResult, void>('netpath/liveDropsAttribute');

// ---- Settings -----------------------------------------------------------------------------

export type TraceLevel = 'off' | 'messages' | 'verbose';
const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'messages', 'verbose'];

/** The `netpath.*` settings after normalisation; also sent as initializationOptions. */
export interface NetpathSettings {
  /** Folders of the tree to index, relative to its root; ["all"] means the whole tree. */
  scope: string[];
  /** Where the index cache lives; empty means $NETPATH_CACHE or ~/.cache/netpath. */
  cacheDirectory: string;
  /** Index worker threads; 0 means one per core. */
  workers: number;
  trace: { server: TraceLevel };
  /** The script language of the Probe lenses and of commands that do not name one. */
  probes: { defaultTool: ProbeTool };
}

export const DEFAULT_SETTINGS: NetpathSettings = {
  scope: ['net', 'drivers/net', 'include'],
  cacheDirectory: '',
  workers: 0,
  trace: { server: 'off' },
  probes: { defaultTool: 'stap' },
};

/** Flat `netpath.x.y` keys with their defaults: what package.json must contribute. */
export function settingDefaults(): Record<string, unknown> {
  return {
    'netpath.scope': DEFAULT_SETTINGS.scope,
    'netpath.cacheDirectory': DEFAULT_SETTINGS.cacheDirectory,
    'netpath.workers': DEFAULT_SETTINGS.workers,
    'netpath.trace.server': DEFAULT_SETTINGS.trace.server,
    'netpath.probes.defaultTool': DEFAULT_SETTINGS.probes.defaultTool,
  };
}

/**
 * Turns whatever the editor sends (the `netpath` section, possibly partial, hand-edited or from an
 * older version) into complete settings. Invalid values fall back to the default, never throw.
 */
export function normaliseSettings(raw: unknown): NetpathSettings {
  const obj = isRecord(raw) ? raw : {};
  const trace = isRecord(obj.trace) ? obj.trace.server : obj['trace.server'];
  const tool = isRecord(obj.probes) ? obj.probes.defaultTool : obj['probes.defaultTool'];
  return {
    scope: normaliseScope(obj.scope),
    cacheDirectory: typeof obj.cacheDirectory === 'string' ? obj.cacheDirectory.trim() : DEFAULT_SETTINGS.cacheDirectory,
    workers: typeof obj.workers === 'number' && Number.isInteger(obj.workers) && obj.workers >= 0 ? obj.workers : DEFAULT_SETTINGS.workers,
    trace: { server: TRACE_LEVELS.includes(trace as TraceLevel) ? (trace as TraceLevel) : DEFAULT_SETTINGS.trace.server },
    probes: { defaultTool: PROBE_TOOLS.includes(tool as ProbeTool) ? (tool as ProbeTool) : DEFAULT_SETTINGS.probes.defaultTool },
  };
}

/** Accepts an array or a comma-separated string; `all` anywhere means the whole tree. */
export function normaliseScope(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list) return [...DEFAULT_SETTINGS.scope];
  const clean = [...new Set(list.map((s) => s.trim().replace(/^\.\/+|\/+$/g, '')).filter((s) => s.length > 0))];
  if (clean.length === 0) return [...DEFAULT_SETTINGS.scope];
  return clean.some((s) => s === 'all' || s === '.') ? ['all'] : clean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- Drop sites ---------------------------------------------------------------------------

/** One drop site (server/src/engine/drops/types.ts DropSite) with its file's URI. */
export interface DropSiteInfo {
  function: string;
  /** Tree-relative path and 1-based line. */
  file: string;
  line: number;
  uri: string;
  kind: 'goto' | 'free' | 'counter';
  label?: string;
  labelLine?: number;
  reason: string | null;
  reasonText?: string;
  /** When no single reason reaches the site: each that may (shared/drop-reason-text.ts reads it). */
  reasons?: { values: string[]; computed?: string[] };
  counters: string[];
  condition?: string;
  via?: string;
  notAlwaysDrop?: boolean;
  through?: string[];
  /** The function lies on a chain from a NAPI poll function to a socket-enqueue function. */
  onReceivePath?: boolean;
}

export interface DropSitesParams extends WorkDoneProgressParams {
  /** A C file of the tree, a tree-relative folder ("net/ipv4"), or one function, at least one of them. */
  uri?: string;
  folder?: string;
  function?: string;
}

export interface DropSitesResult {
  root: string;
  rootUri: string;
  sites: DropSiteInfo[];
  /** Files of the folder left out because it holds more than MAX_DROP_FILES. */
  filesLeftOut: number;
}

/** A folder's drop sites are computed for at most this many files per request. */
export const MAX_DROP_FILES = 400;

/** Client → server: drop sites of a file, a folder or a function. Builds the call graph on first use. */
export const DropSitesRequest = new RequestType<DropSitesParams, DropSitesResult, void>('netpath/dropSites');

/** One counter of the counter map read from the tree. */
export interface CounterInfo {
  /** The name CounterSitesRequest takes: "Udp:RcvbufErrors", "/proc/net/softnet_stat:dropped". */
  key: string;
  name: string;
  file: string;
  prefix?: string;
  mib?: string;
  field?: string;
  column?: number;
  drop: boolean;
}

/** Client → server: every counter the tree declares, for "netpath: Explain counter…". */
export const CounterMapRequest = new RequestType<WorkDoneProgressParams, CounterInfo[], void>('netpath/counterMap');

export interface ExplainCounterParams extends WorkDoneProgressParams {
  /** Any name shared/counter-names.ts resolveCounter takes: "RcvbufErrors", "Udp:RcvbufErrors", "UdpRcvbufErrors", a CounterInfo key. */
  counter: string;
}

/** Client → server: one counter explained from the tree; fails with a message naming the candidates when the name is ambiguous or unknown. */
export const ExplainCounterRequest = new RequestType<ExplainCounterParams, ExplainCounterResult, void>('netpath/explainCounter');

/** The explanation, and the tree's root URI its tree-relative paths resolve against. */
export interface ExplainCounterResult extends CounterExplanation {
  rootUri: string;
}

/** Client command run by the "N drop sites" code lens: arguments are the document URI and the sites' lines. */
export const SHOW_DROP_SITES_COMMAND = 'netpath.showDropSitesAt';

// ---- Stack traces -------------------------------------------------------------------------

/** A function's definition in the tree: tree-relative path, 1-based line, and its URI. */
export interface TraceDefinition { file: string; line: number; uri: string }

/** One call between two frames; `inferred` calls are not printed by the trace (inlined or tail calls). */
export interface TraceHopView {
  caller: string;
  callee: string;
  file: string;
  line: number;
  uri: string;
  kind: CallKind;
  candidates?: number;
  inferred: boolean;
}

/**
 * How a frame is reached from the reliable frame before it (outer): `direct` one call, `inferred`
 * through calls the trace left out, `unresolved` no chain in the graph, `interrupt` an interrupt
 * or exception entry (no call), `unknown` a frame outside the index.
 */
export type TraceLinkStatus = 'direct' | 'inferred' | 'unresolved' | 'interrupt' | 'unknown';

export interface TraceFrameView {
  /** Position in the stack, outermost first. */
  index: number;
  /** Name without compiler suffixes, and the symbol as printed. */
  fn: string;
  raw: string;
  /** `? frame`: not chained to its neighbours. */
  unreliable: boolean;
  inlined?: boolean;
  module?: string;
  /** Where the trace says the frame was (symbolized reports), as printed. */
  traceFile?: string;
  traceLine?: number;
  /** 1-based line of the pasted text. */
  lineNo: number;
  defs: TraceDefinition[];
  link?: { status: TraceLinkStatus; hops: TraceHopView[] };
}

export interface TraceStackView {
  frames: TraceFrameView[];
  /** Reliable frames that are not functions of the index. */
  unknown: string[];
  mapped: number;
}

export interface MapStackTraceParams extends WorkDoneProgressParams {
  /** The pasted trace: oops, WARNING, KASAN, perf script, bpftrace or bcc output. */
  text: string;
}

export interface MapStackTraceResult {
  root: string;
  stacks: TraceStackView[];
  /** Lines that are not frames (headers, registers, console noise). */
  skippedLines: number;
  notes: string[];
  /** Frames found in the index, over all stacks. */
  mapped: number;
}

/** Client → server: a pasted stack trace laid onto the index and call graph. Builds the call graph on first use. */
export const MapStackTraceRequest = new RequestType<MapStackTraceParams, MapStackTraceResult, void>('netpath/mapStackTrace');
