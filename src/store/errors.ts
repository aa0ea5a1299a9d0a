import {DiamanteError} from "../util/errors.js";

export enum StoreErrorCode {
  /** The data folder holds a network other than the one asked for. */
  NETWORK_MISMATCH = "store_network_mismatch",
  /** A ledger was committed out of sequence. */
  BAD_SEQUENCE = "store_bad_sequence",
  /** The data folder has no genesis yet. */
  NOT_INITIALIZED = "store_not_initialized",
  ALREADY_INITIALIZED = "store_already_initialized",
}

export class StoreError extends DiamanteError<StoreErrorCode> {}
