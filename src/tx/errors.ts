import {DiamanteError} from "../util/errors.js";

export enum TxErrorCode {
  /** The envelope is not valid XDR, or is of a kind this node cannot read. */
  Malformed = "tx_malformed",
}

export class TxError extends DiamanteError<TxErrorCode> {}
