// How a drop site's reason reads, wherever it is shown (hover, Drop sites view, CLI): the single
// reason that reaches it, or every one that may when the reason variable is set in branches.
// Shared by server and client; no vscode import.

export interface ReasonFields {
  reason: string | null;
  reasonText?: string;
  /** Every reason that may reach the site when no single one does (DropSite.reasons). */
  reasons?: { values: string[]; computed?: string[] };
}

const PREFIX = /^SKB_DROP_REASON_/;

/** The reason constants a site may drop with: its reason, or each possible one. */
export function possibleReasons(s: ReasonFields): string[] {
  return s.reason ? [s.reason] : (s.reasons?.values ?? []);
}

/** `reason SOCKET_RCVBUFF: ...`, `reason one of PROTO_MEM, SOCKET_RCVBUFF`, or `no drop reason`. */
/** short: without the SKB_DROP_REASON_ prefix and the reason's comment; code: names in backticks. */
export function reasonPhrase(s: ReasonFields, opts: { short?: boolean; code?: boolean } = {}): string {
  const name = (r: string) => {
    const n = opts.short ? r.replace(PREFIX, '') : r;
    return opts.code ? `\`${n}\`` : n;
  };
  if (s.reason) return `reason ${name(s.reason)}${s.reasonText && !opts.short ? `: ${s.reasonText}` : ''}`;
  const p = s.reasons;
  if (!p?.values.length) return 'no drop reason';
  const runtime = p.computed?.length ? ` (or what ${p.computed.map((c) => `${c}()`).join(', ')} returns)` : '';
  return p.values.length === 1 ? `reason ${name(p.values[0])}${runtime}` : `reason one of ${p.values.map(name).join(', ')}${runtime}`;
}
