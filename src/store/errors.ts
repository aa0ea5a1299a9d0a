import {DiamanteError} from "../util/errors.js";

export enum StoreErrorCode {
  /** The data folder holds a network other than the one asked for. */
  NETWORK_MISMATCH = "store_network_mismatch",
  /** A ledger was committed out of sequence. */
  BAD_SEQUENCE = "store_bad_sequence",
  /** The data folder has no genesis yet. */
  NOT_INITIALIZED = "store_not_initialized",
  ALREADY_INITIALIZED = "store_already_initialized",
  /** The folder holds no node data (no folder, or no ledger.mdb in it). */
  NO_DATA = "store_no_data",
  /** The data folder was written with another set of tables than this build reads. */
  LAYOUT_MISMATCH = "store_layout_mismatch",
  /** A store option is out of range. */
  BAD_OPTION = "store_bad_option",
  /** A record carries a codec version this build does not read. */
  UNKNOWN_RECORD_VERSION = "store_unknown_record_version",
  /** A record of a known version does not have that version's layout. */
  CORRUPT_RECORD = "store_corrupt_record",
}

export class StoreError extends DiamanteError<StoreErrorCode> {}
