/**
 * What /ws needs from the ledger event feed: each ledger's frames per channel, and pages of
 * history after a paging token for a resuming subscription.
 */
import type {Subscription} from "./protocol.js";

/** Builds, for the channels someone listens on, each channel's frame of one ledger. */
export type LedgerFrames = (channels: Iterable<string>) => Iterable<[channel: string, text: string]>;

export interface ReplayPage {
  /** A frame of records after the cursor, or null when there are none. */
  frame: string | null;
  /** The paging token of the last record sent (the given cursor when none). */
  cursor: string;
  /** True when the history up to the feed's last ledger is sent: the subscription may go live. */
  done: boolean;
}

export interface WsReplay {
  onLedger(cb: (frames: LedgerFrames) => void): void;
  page(sub: Subscription, cursor: string, limit: number): ReplayPage;
}
