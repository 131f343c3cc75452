// What the CLI and the panel consume: a stream of raw snapshots from one host, and its state.
import type { RawSnapshot } from './types';

export type FeedStateName = 'connecting' | 'streaming' | 'reconnecting' | 'failed' | 'stopped';

export interface FeedState {
  state: FeedStateName;
  /** Human-readable: why it failed, what it waits for. */
  message?: string;
  /** While reconnecting: the attempt number and the delay before it. */
  attempt?: number;
  delayMs?: number;
}

export interface FeedListener {
  snapshot(raw: RawSnapshot): void;
  state(s: FeedState): void;
}

export interface CounterFeed {
  /** The host as shown to the user ("local" for this machine). */
  readonly host: string;
  start(): void;
  stop(): Promise<void>;
}
