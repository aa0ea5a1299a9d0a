import {DiamanteError} from "../util/errors.js";

/** Why the demo anchor or the demo seeding refused or failed. */
export type DemoErrorCode =
  /** A request to the anchor's transfer API is malformed (SEP-6 answers 400 with `error`). */
  | "bad_request"
  /** The anchor knows no transaction with this id (404). */
  | "not_found"
  /** The node refused a transaction the anchor or the seeding submitted. */
  | "submit_failed"
  /** The node is unreachable or answered something unexpected. */
  | "node_unavailable";

export class DemoError extends DiamanteError<DemoErrorCode> {
  constructor(code: DemoErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "DemoError";
  }
}
