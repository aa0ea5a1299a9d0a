import {StrKey} from "@stellar/stellar-base";
import {ScpError, ScpErrorCode} from "./errors.js";
import type {SCPDriver, SlotInfo} from "./interface.js";
import {defaultScpOptions, type ScpOptions} from "./options.js";
import {checkQuorumSetSanity, quorumSetHash} from "./quorum.js";
import {Slot, type SlotContext} from "./slot.js";
import type {Envelope, NodeId, QuorumSet} from "./types.js";

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

  constructor(localNodeId: NodeId, localQset: QuorumSet, driver: SCPDriver, opts: Partial<ScpOptions> = {}) {
    if (!StrKey.isValidEd25519PublicKey(localNodeId)) {
      throw new ScpError(ScpErrorCode.InvalidNodeId, `not an ed25519 public key: ${localNodeId}`, {localNodeId});
    }
    const sanity = checkQuorumSetSanity(localQset);
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
   * Feeds a peer's envelope. "valid" when it was authentic, well formed and new enough to
   * change what is known about its sender; stale or duplicate statements, bad signatures, and
   * senders whose quorum set the driver does not know (yet) give "invalid" and change nothing.
   */
  receiveEnvelope(env: Envelope): "valid" | "invalid" {
    const st = env.statement;
    if (!Number.isInteger(st.slotIndex) || st.slotIndex < 0) return "invalid";
    if (st.nodeId === this.ctx.localNodeId) return "invalid";
    if (!this.ctx.driver.verifyEnvelope(env)) return "invalid";
    if (st.pledges.type !== "externalize") {
      const qset = this.ctx.driver.getQuorumSet(st.quorumSetHash);
      if (!qset || !checkQuorumSetSanity(qset).ok) return "invalid";
    }
    return this.slot(st.slotIndex).processEnvelope(env, false);
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
