// netpath/serverHealth: the event loop's delays, the stalls seen and their likely causes, memory.
import type { Connection } from 'vscode-languageserver/node';
import { ServerHealthRequest } from '../../../shared/protocol';
import { eventLoop } from './event-loop-watch';

export class ServerHealthFeature {
  register(connection: Connection): void {
    // Not guarded: it must answer even when a handler is failing, and it has nothing to cancel.
    connection.onRequest(ServerHealthRequest, (params) => eventLoop.health(params?.reset === true));
  }
}
