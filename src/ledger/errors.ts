import {DiamanteError} from "../util/errors.js";

export enum LedgerErrorCode {
  /** A ledger close broke a conservation or consistency rule: a bug, never a user error. */
  InvariantViolation = "invariant_violation",
  /** A LedgerTxn was used after commit/rollback or while a child was open. */
  StateMisuse = "ledger_state_misuse",
  /** An entry expected to exist (e.g. a fee source charged in phase 1) is missing. */
  MissingEntry = "ledger_missing_entry",
}

export class LedgerError extends DiamanteError<LedgerErrorCode> {}
