import {DiamanteError} from "../util/errors.js";

export enum DexErrorCode {
  /**
   * The exchange arithmetic or the book broke one of its proven bounds (an amount out of range,
   * rounding favouring the wrong side, an offer without its seller or trustline): a bug or a
   * corrupt state, never a user error. Apply stops rather than write such a ledger.
   */
  InvariantViolation = "dex_invariant_violation",
  /** An exchange function was called with arguments outside its domain (price ≤ 0, negative limits). */
  BadArgument = "dex_bad_argument",
}

export class DexError extends DiamanteError<DexErrorCode> {}
