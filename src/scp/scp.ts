import {StrKey} from "@stellar/stellar-base";
import {ScpError, ScpErrorCode} from "./errors.js";
import type {SCPDriver, SlotInfo} from "./interface.js";
import {defaultScpOptions, type ScpOptions} from "./options.js";
import {quorumSetHash} from "./quorum.js";
import {Slot, type SlotContext} from "./slot.js";
import type {Envelope, NodeId, QuorumSet} from "./types.js";
import {checkReceivedQuorumSet, envelopeShapeError, statementSanityError} from "./validation.js";

/** Why `receiveEnvelope` refused an envelope. */
export type RejectReason =
  | "malformed"
  | "bad_signature"
  | "from_self"
  | "insane_statement"
  | "unknown_quorum_set"
  | "insane_quorum_set"
  | "not_newer_or_invalid_value";

/**
 * The Stellar Consensus Protocol for one node, over any number of slots (slot = ledger
 * sequence). Pure: the driver signs, sends, validates values and runs timers.
 *
 * The local node's statements are processed by the node itself as soon as they are made, so
 * with the quorum set {1, [self]} one `nominate()` call runs nomination, PREPARE, CONFIRM and
 * EXTERNALIZE synchronously and `valueExternalized` fires before `nominate()` returns; with
 * peers, progress comes from `receiveEnvelope()` and from the timers armed via the driver.
 */
export class SCP {
  private readonly ctx: SlotContext;
  private readonly slots = new Map<number, Slot>();
  private readonly rejected: Record<RejectReason, number> = {
    malformed: 0,
    bad_signature: 0,
    from_self: 0,
    insane_statement: 0,
    unknown_quorum_set: 0,
    insane_quorum_set: 0,
    not_newer_or_invalid_value: 0,
  };

  constructor(localNodeId: NodeId, localQset: QuorumSet, driver: SCPDriver, opts: Partial<ScpOptions> = {}) {
    if (!StrKey.isValidEd25519PublicKey(localNodeId)) {
      throw new ScpError(ScpErrorCode.InvalidNodeId, `not an ed25519 public key: ${localNodeId}`, {localNodeId});
    }
    const sanity = checkReceivedQuorumSet(localQset);
    if (!sanity.ok) throw new ScpError(ScpErrorCode.InvalidQuorumSet, `local quorum set: ${sanity.reason}`);
    this.ctx = {
      localNodeId,
      localQset,
      localQsetHash: quorumSetHash(localQset),
      driver,
      opts: {...defaultScpOptions, ...opts},
    };
  }

  get localNodeId(): NodeId {
    return this.ctx.localNodeId;
  }

  get localQuorumSetHash(): Buffer {
    return this.ctx.localQsetHash;
  }

  /**
   * Proposes `value` for `slotIndex`; `prevValue` is the previous slot's externalized value,
   * which seeds leader selection. Returns true when the local vote set changed.
   */
  nominate(slotIndex: number, value: Buffer, prevValue: Buffer): boolean {
    checkSlotIndex(slotIndex);
    return this.slot(slotIndex).nomination.nominate(value, prevValue, false);
  }

  /**
   * Moves the slot's ballot protocol to its next counter with `value` (or to counter 1 when it
   * has no ballot yet), bypassing nomination: stellar-core's `Slot::bumpState(value, force)`,
   * with which its ballot-protocol tests drive a node. Returns true when a new ballot was taken.
   */
  bumpState(slotIndex: number, value: Buffer): boolean {
    checkSlotIndex(slotIndex);
    return this.slot(slotIndex).ballot.bumpState(value, true);
  }

  /**
   * Feeds a peer's envelope. "valid" when it was authentic, well formed and new enough to
   * change what is known about its sender; anything else gives "invalid", changes nothing and
   * is counted by reason (`rejections`).
   *
   * Order of checks: the shape (every field typed as the data model says, without which the
   * signed bytes cannot even be computed), then the signature through the driver, before any
   * other use of the envelope; then statement sanity, the sender's quorum set, and last the
   * protocol's own staleness and value checks.
   */
  receiveEnvelope(env: Envelope): "valid" | "invalid" {
    const shape = envelopeShapeError(env, this.ctx.opts);
    if (shape) return this.reject("malformed");
    if (!this.ctx.driver.verifyEnvelope(env)) return this.reject("bad_signature");
    const st = env.statement;
    if (st.nodeId === this.ctx.localNodeId) return this.reject("from_self");
    if (statementSanityError(st, false)) return this.reject("insane_statement");
    if (st.pledges.type !== "externalize") {
      const qset = this.ctx.driver.getQuorumSet(st.quorumSetHash);
      if (!qset) return this.reject("unknown_quorum_set");
      if (!checkReceivedQuorumSet(qset).ok) return this.reject("insane_quorum_set");
    }
    const res = this.slot(st.slotIndex).processEnvelope(env, false);
    return res === "valid" ? res : this.reject("not_newer_or_invalid_value");
  }

  /** Envelopes refused by `receiveEnvelope` since start, by reason (the herder exports them). */
  get rejections(): Readonly<Record<RejectReason, number>> {
    return this.rejected;
  }

  /**
   * Restores the local node's own statements persisted through `SCPDriver.persistSlotState`
   * (at start, before anything else happens on those slots): the slot resumes from what the
   * node last said instead of from scratch, so it cannot contradict it. Throws (and restores
   * nothing) when an envelope is malformed, insane, or not the local node's.
   */
  restoreState(envelopes: Envelope[]): void {
    for (const env of envelopes) {
      const err = envelopeShapeError(env, this.ctx.opts) ?? statementSanityError(env.statement, false);
      if (err) throw new ScpError(ScpErrorCode.InvalidArgument, `persisted SCP envelope: ${err}`);
      if (env.statement.nodeId !== this.ctx.localNodeId) {
        throw new ScpError(ScpErrorCode.InvalidArgument, "persisted SCP envelope of another node", {nodeId: env.statement.nodeId});
      }
      const slot = this.slots.get(env.statement.slotIndex);
      const kind = env.statement.pledges.type === "nominate" ? "nomination" : "ballot";
      if (slot && (kind === "nomination" ? slot.nomination.lastEmittedEnvelope || slot.nomination.round > 0 : slot.ballot.current)) {
        throw new ScpError(ScpErrorCode.InvalidArgument, `slot ${env.statement.slotIndex} already has ${kind} state`);
      }
    }
    for (const env of envelopes) this.slot(env.statement.slotIndex).setStateFromEnvelope(env);
  }

  getExternalizedValue(slotIndex: number): Buffer | undefined {
    return this.slots.get(slotIndex)?.ballot.externalizedValue;
  }

  /** Latest nomination and ballot envelope of every node heard on the slot (self included). */
  getLatestMessages(slotIndex: number): Envelope[] {
    return this.slots.get(slotIndex)?.latestEnvelopes() ?? [];
  }

  getSlotInfo(slotIndex: number): SlotInfo | undefined {
    const slot = this.slots.get(slotIndex);
    if (!slot) return undefined;
    const b = slot.ballot;
    const nodes = new Set(slot.latestEnvelopes().map((e) => e.statement.nodeId));
    return {
      slotIndex,
      phase: b.current === null && b.phase === "prepare" ? "nominate" : b.phase,
      nominationRound: slot.nomination.round,
      ballotCounter: b.current?.counter ?? 0,
      externalized: b.externalizedValue,
      nodesHeard: [...nodes].sort(),
    };
  }

  /** Drops every slot below `belowSlot` and cancels its timers (herder: after ledger close). */
  purgeSlots(belowSlot: number): void {
    for (const [index, slot] of this.slots) {
      if (index < belowSlot) {
        slot.stopTimers();
        this.slots.delete(index);
      }
    }
  }

  private reject(reason: RejectReason): "invalid" {
    this.rejected[reason]++;
    return "invalid";
  }

  private slot(slotIndex: number): Slot {
    let s = this.slots.get(slotIndex);
    if (!s) {
      s = new Slot(slotIndex, this.ctx);
      this.slots.set(slotIndex, s);
    }
    return s;
  }
}

function checkSlotIndex(slotIndex: number): void {
  if (!Number.isSafeInteger(slotIndex) || slotIndex < 0) {
    throw new ScpError(ScpErrorCode.InvalidArgument, `bad slot index ${slotIndex}`, {slotIndex});
  }
}
