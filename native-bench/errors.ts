import {DiamanteError} from "../src/util/errors.js";

/**
 * Failures of the benchmark harness. A benchmark never fails on a timing; it fails only when its
 * inputs are wrong (a signature that should verify does not, a round trip changes a value) or
 * when the node under test cannot be started or driven, because then the figures would be lies.
 */
export enum BenchErrorCode {
  /** A correctness check on benchmark inputs failed (e.g. a valid signature did not verify). */
  SanityCheckFailed = "bench_sanity_check_failed",
  /** The node process exited or never answered `GET /` in time. */
  NodeStartFailed = "bench_node_start_failed",
  /** The node answered with an unexpected status or body. */
  NodeBadResponse = "bench_node_bad_response",
  /** A bounded wait (funding, commit drain) ran out. */
  WaitTimedOut = "bench_wait_timed_out",
  /** A command-line flag could not be parsed. */
  BadFlag = "bench_bad_flag",
}

export class BenchError extends DiamanteError<BenchErrorCode> {
  constructor(code: BenchErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "BenchError";
  }
}
