import {DiamanteError} from "../util/errors.js";

export enum HerderErrorCode {
  /** SCP externalized a value whose tx set this node does not hold. */
  UNKNOWN_TX_SET = "herder_unknown_tx_set",
  /** The externalized value could not be decoded. */
  BAD_VALUE = "herder_bad_value",
  /** A ledger to apply is not the one after the last closed ledger. */
  OUT_OF_ORDER = "herder_ledger_out_of_order",
  /** A ledger's commit is still in flight: the next one waits for it. */
  BUSY = "herder_ledger_busy",
  /** A replayed ledger did not produce the header hash it was fetched with: nothing was applied. */
  HASH_MISMATCH = "herder_ledger_hash_mismatch",
  /** A ledger's envelopes could not be decoded: nothing was applied. */
  BAD_LEDGER = "herder_bad_ledger",
  /** Ledger closing stopped after a failed commit; the node must be restarted. */
  FAILED = "herder_failed",
  /** The node is stopping: no ledger is applied any more. */
  STOPPED = "herder_stopped",
  /** A node configuration setting is missing or wrong. */
  BAD_CONFIG = "herder_bad_config",
}

export class HerderError extends DiamanteError<HerderErrorCode> {}
