import type {Envelope, NodeId, QuorumSet, Statement} from "./types.js";

/** Verdict of the application on a value (draft: the higher layer's validity function). */
export type ValueValidity = "valid" | "invalid" | "maybe_valid";

export type TimerKind = "nomination" | "ballot";

/**
 * Everything SCP needs from outside. SCP itself does no I/O and keeps no clock: the herder
 * implements this on the main thread (signing with the node key, flooding through the overlay,
 * validating tx sets, real timers).
 */
export interface SCPDriver {
  /** Signature over the statement by the local node key (herder chooses the signed bytes). */
  signEnvelope(statement: Statement): Buffer;
  /** Checks a peer's envelope signature; false rejects the envelope. */
  verifyEnvelope(envelope: Envelope): boolean;
  /** Broadcast a statement of the local node (already processed locally). */
  emitEnvelope(envelope: Envelope): void;
  /**
   * Persists the local node's latest statements of a slot: its latest NOMINATE and its latest
   * ballot envelope, whichever exist (each replaces what was stored for that slot before).
   * Called synchronously before every `emitEnvelope`; the driver lets the statement leave the
   * node only once this state is on disk (it may write the statements of several calls in one
   * commit and send them after it, in emission order), so whatever a peer may have seen is on
   * disk first; at start the herder hands the stored envelopes of the slots still open to
   * `SCP.restoreState`, so a restarted validator never contradicts what it said (stellar-core
   * persists the same, per slot, in its `scphistory`/`persistentstate`). Optional: a node
   * without durable state (tests, a watcher) leaves it out.
   */
  persistSlotState?(slotIndex: number, envelopes: Envelope[]): void;
  /** Quorum set by hash, or undefined while unknown (the statement is then ignored). */
  getQuorumSet(hash: Buffer): QuorumSet | undefined;
  /**
   * Application validity of a value; `nomination` is true when checking a value to vote for.
   * Must not depend on state that can differ permanently across nodes (draft).
   */
  validateValue(slotIndex: number, value: Buffer, nomination: boolean): ValueValidity;
  /** Deterministic combination of the confirmed nominated values (sorted ascending). */
  combineCandidates(slotIndex: number, values: Buffer[]): Buffer;
  /** The slot's value is final. Called once per slot. */
  valueExternalized(slotIndex: number, value: Buffer): void;
  /** Arm (or with `callback` null, cancel) the one timer of this kind for the slot. */
  setupTimer(slotIndex: number, timer: TimerKind, delayMs: number, callback: (() => void) | null): void;
  /**
   * Timeout of nomination round `round` or of ballot counter `round` (`kind` says which);
   * must grow with `round` (see `defaultTimeoutMs`, stellar-core's schedule).
   */
  computeTimeoutMs(round: number, kind: TimerKind): number;
}

/** Read-only view of one slot, for the herder's status pages and tests. */
export interface SlotInfo {
  slotIndex: number;
  phase: "nominate" | "prepare" | "confirm" | "externalize";
  nominationRound: number;
  ballotCounter: number;
  externalized: Buffer | undefined;
  nodesHeard: NodeId[];
}
