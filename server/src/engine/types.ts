// Facts extracted from one source file. Positions are 1-based lines and 0-based
// UTF-16 columns, so they map straight onto LSP positions (line - 1).

/** Function flags, a bit set kept small because it is stored per definition. */
export const FN_STATIC = 1;
export const FN_INLINE = 2;

export interface FunctionDef {
  name: string;
  line: number;
  col: number;
  endLine: number;
  flags: number;
  /** Section or lifetime annotations seen before the name, e.g. ["__init"]. */
  annotations?: string[];
  /** Declaration text up to the body, whitespace collapsed; used for hover. */
  signature: string;
  /** Parameter names in order ('' for an unnamed one). */
  params?: string[];
  /** Parameters and locals declared as `struct x` or `struct x *`: name -> x. Narrows field calls. */
  vars?: Record<string, string>;
}

export type SymbolKindName = 'function' | 'struct' | 'union' | 'enum' | 'enumerator' | 'macro' | 'typedef' | 'variable';

/** Non-function definitions: structs, enums, macros, typedefs and file-scope variables. */
export interface OtherDef {
  name: string;
  kind: Exclude<SymbolKindName, 'function'>;
  line: number;
  col: number;
  endLine: number;
  /** Variables declared with a struct type (`struct inet_connection_sock_af_ops subflow_specific`): the struct. */
  type?: string;
}

export type CallKind = 'direct' | 'field' | 'variable' | 'other';

export interface CallSite {
  /** Index into FileFacts.functions of the enclosing function. */
  fn: number;
  kind: CallKind;
  /** direct: callee name; field: field name; variable: variable name; other: callee text. */
  name: string;
  line: number;
  col: number;
  args: number;
  /** field calls: receiver expression text and the operator. */
  receiver?: string;
  op?: '->' | '.';
  /** variable calls: where the variable was loaded from ("skb->dev->rx_handler"), when it was. */
  loadedFrom?: string;
  /** variable calls: the field named last in loadedFrom. */
  loadedField?: string;
}

export interface GotoSite { fn: number; label: string; line: number; col: number }
export interface LabelDef { fn: number; label: string; line: number; col: number }

/** init: `.f = fn`; assign: `x->f = fn`; arg: `reg(a, fn)`; return: `return fn;` in the enclosing function. */
export type AddressContext = 'init' | 'assign' | 'arg' | 'return';

/** A function name used as a value, with what it was stored into. */
export interface AddressTaken {
  name: string;
  ctx: AddressContext;
  line: number;
  col: number;
  /** init/assign: the field it is stored into. */
  field?: string;
  /** init: the struct type of the initializer, when the declaration names it. */
  struct?: string;
  /** init: the variable being initialised; assign: the receiver expression. */
  target?: string;
  /** arg: the called function and the argument position (0-based). */
  callee?: string;
  argPos?: number;
  /** Enclosing function, or -1 at file scope. */
  fn: number;
  /**
   * arg/assign: 1 when `name` is a parameter of the enclosing function, not a function: how
   * registration helpers pass a callback on (`netif_napi_add` -> `napi->poll = poll`).
   */
  param?: number;
  /** init one level down (`.callbacks = { .gro_receive = fn }`): the outer field (`callbacks`). */
  within?: string;
  /** arg: 1 when the argument is a call of `name` (`br_get_rx_handler(dev)`): what it returns is passed. */
  ret?: number;
}

/** A field copied into another field: `target->field = source->from` (`new->hooks[n].hook = reg->hook`). */
export interface FieldCopy { fn: number; line: number; col: number; target: string; field: string; source: string; from: string }

/** A dispatch macro invocation (INDIRECT_CALL_*, NF_HOOK*) with its argument texts. */
export interface MacroCall { fn: number; macro: string; line: number; col: number; args: string[] }

/** SNMP_MIB_ITEM("RcvbufErrors", UDP_MIB_RCVBUFERRORS) inside table `table`. */
export interface MibItem { table: string; name: string; mib: string; line: number }

/**
 * A counter bumped in a function: a field (`sd->time_squeeze++`, `x->f += n`,
 * `atomic_inc(&sk->sk_drops)`, `dev_core_stats_rx_dropped_inc(dev)`) or an SNMP MIB constant
 * passed to a `*_INC_STATS*` macro. Drop sites and the counter map are built on these.
 */
export interface Increment {
  fn: number;
  kind: 'field' | 'mib';
  /** field: the field name; mib: the MIB constant (UDP_MIB_RCVBUFERRORS). */
  name: string;
  line: number;
  col: number;
  /** How: '++', '+=', or the called function or macro. */
  via: string;
  /** field: the expression the field is read from (`sd`, `dev->stats`). */
  receiver?: string;
}

export interface Enumerator { name: string; line: number; comment?: string }
export interface EnumDef { name: string; line: number; items: Enumerator[] }

export interface FieldDecl { name: string; type: string; line: number; fnPtr: boolean }
export interface StructDef { name: string; kind: 'struct' | 'union'; line: number; fields: FieldDecl[] }

export interface FileFacts {
  /** Path relative to the tree root, with forward slashes. */
  path: string;
  mtimeMs: number;
  size: number;
  functions: FunctionDef[];
  defs: OtherDef[];
  calls: CallSite[];
  gotos: GotoSite[];
  labels: LabelDef[];
  addressTaken: AddressTaken[];
  copies: FieldCopy[];
  macroCalls: MacroCall[];
  mibItems: MibItem[];
  increments: Increment[];
  enums: EnumDef[];
  structs: StructDef[];
  /** 1 when the tree has ERROR or MISSING nodes: a parse-quality signal, not a failure. */
  parseErrors: number;
  /** Non-fatal notes, e.g. "non-UTF-8 bytes replaced". */
  notes?: string[];
}

/** Why a file was not indexed. */
export interface SkippedFile { path: string; reason: string }
