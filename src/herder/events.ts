/**
 * The node's ledger events: a ledger closed (durable), or ledger closing stopped for good. The
 * API, streams and the herder's own bookkeeping subscribe here; listeners run in subscription
 * order, and one that throws is logged without keeping the others from running.
 */
import type {Logger} from "pino";
import type {ClosedLedger} from "./interface.js";
import type {TxFrame} from "../tx/interface.js";

/** A ledger whose close has ordered its transactions and is about to apply them. */
export interface CloseStarted {
  seq: number;
  /** Unix seconds agreed for the ledger. */
  closeTime: number;
  /** The tx set in apply order. */
  frames: readonly TxFrame[];
}

export class LedgerEvents {
  private readonly closed: Array<(c: ClosedLedger) => void> = [];
  private readonly fatal: Array<(err: Error) => void> = [];
  private readonly started: Array<(s: CloseStarted) => void> = [];

  constructor(private readonly log: Logger) {}

  onLedgerClosed(cb: (c: ClosedLedger) => void): void {
    this.closed.push(cb);
  }

  /** Called when a close has ordered its tx set, before it applies it (nothing is durable yet). */
  onCloseStarted(cb: (s: CloseStarted) => void): void {
    this.started.push(cb);
  }

  emitCloseStarted(s: CloseStarted): void {
    for (const l of this.started) {
      try {
        l(s);
      } catch (e) {
        this.log.error({err: e, seq: s.seq}, "close-started listener failed");
      }
    }
  }

  /** Called once if the node can no longer close ledgers (a ledger commit failed). */
  onFatal(cb: (err: Error) => void): void {
    this.fatal.push(cb);
  }

  emitClosed(c: ClosedLedger): void {
    for (const l of this.closed) {
      try {
        l(c);
      } catch (e) {
        this.log.error({err: e, seq: c.header.seq}, "ledger listener failed");
      }
    }
  }

  emitFatal(err: Error): void {
    for (const l of this.fatal) {
      try {
        l(err);
      } catch (e) {
        this.log.error({err: e}, "fatal listener failed");
      }
    }
  }
}
