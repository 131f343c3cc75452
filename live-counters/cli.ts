// `netpath counters [--host H] [--interval S] [--count N] [--json] [--ssh-config F]`: live counters
// of a host over ssh (or of this machine without --host), printed as samples with rates.
import { CounterModel } from './model';
import { LocalFeed } from './local-feed';
import { sampleJson, sampleText } from './output';
import { validateInterval } from './remote-script';
import { SshFeed } from './ssh-feed';
import { validateHost } from './ssh-host';
import type { CounterFeed, FeedListener } from './feed';

export interface CountersCliOptions {
  host?: string;
  interval?: string;
  count?: string;
  sshConfig?: string;
  json: boolean;
}

/** Raised for bad arguments; the CLI turns it into a usage error (exit 2). */
export class CountersUsageError extends Error {}

export async function runCounters(o: CountersCliOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let intervalS: number, host: string | undefined, count: number | undefined;
  try {
    intervalS = o.interval === undefined ? 1 : validateInterval(o.interval);
    host = o.host === undefined ? undefined : validateHost(o.host);
    if (o.count !== undefined) {
      count = /^\d{1,9}$/.test(o.count) ? Number(o.count) : NaN;
      if (!(count! >= 1)) throw new Error(`--count must be a positive integer, not ${JSON.stringify(o.count)}`);
    }
  } catch (e) {
    throw new CountersUsageError((e as Error).message);
  }
  const model = new CounterModel();
  const name = host ?? 'local';
  let seen = 0;
  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      void feed.stop().then(() => resolve(code));
    };
    const listener: FeedListener = {
      snapshot(raw) {
        if (finished) return;
        const s = model.update(raw);
        out.write(o.json ? sampleJson(name, s) + '\n' : sampleText(name, s));
        if (count !== undefined && ++seen >= count) finish(0);
      },
      state(s) {
        if (s.state === 'failed') {
          err.write(`netpath: counters: ${s.message}\n`);
          finish(1);
        } else if (s.state === 'reconnecting' && s.delayMs !== undefined) {
          err.write(`netpath: counters: ${s.message ?? 'connection lost'}; reconnecting in ${(s.delayMs / 1000).toFixed(1)} s\n`);
        }
      },
    };
    const feed: CounterFeed = host ? new SshFeed({ host, intervalS, configFile: o.sshConfig }, listener) : new LocalFeed(intervalS, listener);
    const stop = () => finish(130);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    feed.start();
  });
}
