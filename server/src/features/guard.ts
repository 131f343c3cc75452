// Request wrapper shared by every feature: honours cancellation before and after the work,
// and turns an exception into a logged error response instead of a dead server.
import { CancellationToken, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Logger } from './logger';
import { eventLoop } from './event-loop-watch';

export class RequestCancelled extends Error {
  constructor() {
    super('request cancelled');
  }
}

export function throwIfCancelled(token: CancellationToken): void {
  if (token.isCancellationRequested) throw new RequestCancelled();
}

/** Waits for `work`, but gives up with RequestCancelled as soon as the request is cancelled. */
export async function untilCancelled<T>(work: Promise<T>, token: CancellationToken): Promise<T> {
  throwIfCancelled(token);
  let subscription: { dispose(): void } | undefined;
  const cancelled = new Promise<never>((_, reject) => (subscription = token.onCancellationRequested(() => reject(new RequestCancelled()))));
  try {
    return await Promise.race([work, cancelled]);
  } finally {
    subscription?.dispose();
  }
}

/** Lets queued I/O (such as a $/cancelRequest that arrived with the request) be read. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export function guarded<P, R>(
  log: Logger,
  name: string,
  handler: (params: P, token: CancellationToken) => Promise<R> | R,
): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
  return async (params, token) => {
    const cancelled = () => new ResponseError<void>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
    try {
      await yieldToIo();
      if (token.isCancellationRequested) return cancelled();
      eventLoop.note(name);
      const result = await handler(params, token);
      return token.isCancellationRequested ? cancelled() : result;
    } catch (e) {
      if (e instanceof RequestCancelled) return cancelled();
      const err = e as Error;
      log.error(`${name} failed: ${err.stack ?? err.message}`);
      return new ResponseError<void>(ErrorCodes.InternalError, `netpath: ${name} failed: ${err.message}`);
    }
  };
}

/** For notifications: nothing to answer, but a failure must be logged, not thrown. */
export function guardedNotification<P>(log: Logger, name: string, handler: (params: P) => Promise<void> | void): (params: P) => void {
  return (params) => {
    Promise.resolve()
      .then(() => handler(params))
      .catch((e: Error) => log.error(`${name} failed: ${e.stack ?? e.message}`));
  };
}
