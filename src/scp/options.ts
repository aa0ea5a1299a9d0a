import type {TimerKind} from "./interface.js";

/** Tunables of the SCP module. Every default says why it is what it is. */
export interface ScpOptions {
  /**
   * Timeout of nomination round 1 and of ballot counter 1. 1 s as stellar-core before its
   * per-network settings (and still its default): a LAN quorum closes a ledger in well under
   * 1 s, so the first timeout only fires when something is actually wrong.
   */
  nominationTimeoutInitialMs: number;
  ballotTimeoutInitialMs: number;
  /**
   * Added per further round / counter (stellar-core: initial + (n − 1) × increment). Growing
   * timeouts make a slow but live quorum eventually spend long enough in the same round to
   * finish it (the draft's liveness argument).
   */
  nominationTimeoutIncrementMs: number;
  ballotTimeoutIncrementMs: number;
  /**
   * Cap of both schedules. 30 min as stellar-core's MAX_TIMEOUT_MS: after that the network is
   * down anyway and a longer wait only delays recovery once peers return.
   */
  timeoutCapMs: number;
  /**
   * Depth limit of the synchronous statement-processing recursion of one slot (a node processes
   * its own statements immediately). A full self-quorum externalization needs about a dozen
   * levels; 50 leaves ample margin and stops a pathological loop before the stack does.
   */
  maxRecursion: number;
  /**
   * Largest value a peer's statement may carry. The herder's value (tx set hash + close time)
   * is 40 bytes and stellar-core's StellarValue with all upgrades stays under 1 KiB; 4 KiB
   * bounds the memory one statement can pin without ever refusing an honest value.
   */
  maxValueBytes: number;
}

export const defaultScpOptions: ScpOptions = {
  nominationTimeoutInitialMs: 1000,
  nominationTimeoutIncrementMs: 1000,
  ballotTimeoutInitialMs: 1000,
  ballotTimeoutIncrementMs: 1000,
  timeoutCapMs: 30 * 60 * 1000,
  maxRecursion: 50,
  maxValueBytes: 4096,
};

type TimeoutOptions = Pick<
  ScpOptions,
  "nominationTimeoutInitialMs" | "nominationTimeoutIncrementMs" | "ballotTimeoutInitialMs" | "ballotTimeoutIncrementMs" | "timeoutCapMs"
>;

/**
 * stellar-core's `computeTimeout`: round (nomination) or counter (ballot) n ≥ 1 waits
 * initial + (n − 1) × increment, capped. With the defaults that is n seconds.
 */
export function defaultTimeoutMs(round: number, kind: TimerKind = "ballot", opts: TimeoutOptions = defaultScpOptions): number {
  const n = Math.max(1, Math.floor(round));
  const [initial, increment] =
    kind === "nomination" ? [opts.nominationTimeoutInitialMs, opts.nominationTimeoutIncrementMs] : [opts.ballotTimeoutInitialMs, opts.ballotTimeoutIncrementMs];
  return Math.min(initial + (n - 1) * increment, opts.timeoutCapMs);
}
