// The language client's own protocol trace (every LSP message, in the "netpath LSP messages"
// channel) versus the server's log level. `netpath.trace.server` sets the server's log level; only
// `verbose` also turns on the client's protocol trace. The client is created under an id that is
// not a settings section ('netpath-lsp'), so vscode-languageclient does not read
// `netpath.trace.server` itself and switch its trace on for `messages` as well.
// No `vscode` import, so it is tested with node --test.
import type { TraceLevel } from '../../shared/protocol';

/** Id of the LanguageClient: deliberately not `netpath`, whose `trace.server` the client would read. */
export const CLIENT_ID = 'netpath-lsp';

/** The protocol trace the client should run for a server trace level. */
export function protocolTrace(level: TraceLevel): 'off' | 'verbose' {
  return level === 'verbose' ? 'verbose' : 'off';
}
