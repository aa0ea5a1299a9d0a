/**
 * The seams of the herder. Consensus (the SCP driver) and the herder never import each other:
 * the herder drives consensus through `ConsensusEngine`, consensus reads the herder's state and
 * hands externalized values back through `ConsensusHost`.
 */
import type {LedgerHeader} from "../ledger/types.js";
import type {LedgerCloseResult} from "../tx/interface.js";
import type {TxSet} from "./tx-set.js";
import type {Envelope, QuorumSet} from "../scp/types.js";
import type {SlotInfo} from "../scp/interface.js";

/** How far ahead of this node's clock a proposed close time may be (stellar-core allows 60 s). */
export const MAX_CLOSE_TIME_DRIFT_S = 60;

/** The payload of a closed-ledger event. */
export interface ClosedLedger {
  header: LedgerHeader;
  result: LedgerCloseResult;
  closeMs: number;
  /** Fee per operation the ledger charged (int64). */
  baseFeeCharged: bigint;
}

/** What the herder asks of consensus. */
export interface ConsensusEngine {
  /** Nominates `txSet` with `closeTime` for `slot` (the ledger after the last closed one). */
  propose(slot: number, txSet: TxSet, closeTime: number): void;
  stop(): void;
}

/** What consensus asks of the herder. */
export interface ConsensusHost {
  lastClosed(): LedgerHeader;
  /** A tx set this node built or received, by hash hex. */
  txSet(hashHex: string): TxSet | undefined;
  /**
   * A slot externalized. Never applied inside this call (it runs in SCP's call stack): the
   * ledger manager queues it and applies it on a later turn of the event loop.
   */
  externalized(slot: number, txSetHashHex: string, closeTime: number): void;
}

/** What the network side of the herder asks of consensus: envelopes in and out, quorum sets. */
export interface ConsensusNet {
  /** Local envelopes to flood (already signed and processed locally). */
  onEnvelope(cb: (e: Envelope) => void): void;
  /** Feeds a peer's envelope; "valid" when it was new and well formed (flood it on). */
  receive(e: Envelope): "valid" | "invalid";
  /** The envelope's signature by its node key, over the network id and statement. */
  verify(e: Envelope): boolean;
  quorumSet(hash: Buffer): QuorumSet | undefined;
  addQuorumSet(q: QuorumSet): void;
  readonly localQuorumSet: QuorumSet;
  slotInfo(slot: number): SlotInfo | undefined;
  /** This node's latest nomination and ballot envelopes for the slot. */
  localEnvelopes(slot: number): Envelope[];
}
