import {DiamanteError} from "../util/errors.js";

export enum HerderErrorCode {
  /** SCP externalized a value whose tx set this node does not hold. */
  UNKNOWN_TX_SET = "herder_unknown_tx_set",
  /** The externalized value could not be decoded. */
  BAD_VALUE = "herder_bad_value",
}

export class HerderError extends DiamanteError<HerderErrorCode> {}
