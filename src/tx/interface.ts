/**
 * Contract of tx/: what the worker pool, the herder and the store rely on.
 * Implementations: frame.ts (decode), verify.ts (signature crypto), check.ts (admission),
 * ../ledger/close.ts (apply a tx set and produce the next header).
 */
import type {AccountId, LedgerEntry, LedgerHeader, LedgerStateReader, NetworkConfig, EntryKey} from "../ledger/types.js";
import type {AppliedTx, DecoratedSignature, Memo, Operation, ResultCodes, VerifiedSignature} from "./types.js";

export interface TimeBounds {
  minTime: bigint;
  /** 0 = no upper bound */
  maxTime: bigint;
}

/** CAP-21 preconditions beyond time bounds (PRECOND_V2). */
export interface V2Preconditions {
  /** Ledgers in which the tx may apply: minLedger ≤ seq, and seq < maxLedger unless maxLedger is 0. */
  ledgerBounds: {minLedger: number; maxLedger: number} | null;
  /** Set: the tx may follow any account sequence number in [minSeqNum, seqNum). */
  minSeqNum: bigint | null;
  /** Seconds that must have passed since the account's sequence number last changed (uint64). */
  minSeqAge: bigint;
  /** Ledgers that must have closed since the account's sequence number last changed. */
  minSeqLedgerGap: number;
  /** Signer keys (StrKey) that must each have signed, beyond the accounts' thresholds. */
  extraSigners: string[];
}

/** A decoded transaction envelope (v0, v1 or fee-bump). */
export interface TxFrame {
  /** The envelope bytes exactly as submitted. */
  readonly envelopeXdr: Buffer;
  /** Hash that identifies the tx: the outer (fee-bump) hash for fee-bumps, as Stellar does. */
  readonly hash: Buffer;
  readonly hashHex: string;
  readonly isFeeBump: boolean;
  /** Account paying the fee: the fee-bump's fee source, else the tx source. */
  readonly feeSource: AccountId;
  /** Source of the (inner) transaction, whose seqNum is consumed. */
  readonly sourceAccount: AccountId;
  readonly seqNum: bigint;
  /** Total fee bid in stroops (the outer fee for fee-bumps). */
  readonly maxFee: bigint;
  readonly operations: Operation[];
  readonly memo: Memo;
  readonly timeBounds: TimeBounds | null;
  /** Signatures over the inner tx hash. */
  readonly signatures: DecoratedSignature[];
  /** Signatures over the fee-bump hash (empty unless isFeeBump). */
  readonly feeBumpSignatures: DecoratedSignature[];
  /** Hash of the inner tx (equal to `hash` unless isFeeBump). */
  readonly innerHash: Buffer;
  /** Filled by signature verification (worker) before admission; checked against weights at apply. */
  verified: VerifiedSignature[];
  verifiedFeeBump: VerifiedSignature[];
  /**
   * Signer keys the verification already tried against `signatures` (resp. `feeBumpSignatures`):
   * a signature not in `verified` was not made by any of them, so it is never verified again.
   */
  triedKeys?: string[];
  triedFeeBumpKeys?: string[];
  /** Fee bid of the inner tx (fee-bumps only; equal to maxFee otherwise). Added for fee-bump rate checks and the store. */
  readonly innerMaxFee?: bigint;
  /** PRECOND_V2 fields other than time bounds; absent for other preconditions. */
  readonly preconditions?: V2Preconditions;
  /**
   * Set when the envelope uses a feature this node does not apply (Soroban data): admission
   * answers tx_not_supported. Added by tx/frame.ts.
   */
  readonly notSupported?: string;
}

/** Context for admission checks against the last closed ledger plus the queue. */
export interface CheckContext {
  header: LedgerHeader;
  config: NetworkConfig;
  /** Unix seconds used for time bounds (the next close time estimate). */
  closeTime: number;
  /**
   * Unix seconds min_seq_age is judged at, when not `closeTime`. Admission passes the last closed
   * ledger's close time, as stellar-core's queue does (checkValid with a lower bound close time
   * offset of 0 reads the last closed header's closeTime); trimming and apply judge it at the
   * close time of the ledger being built.
   */
  minSeqAgeCloseTime?: number;
  /** Number of txs of the same source account already queued ahead of this one. */
  queuedAhead: number;
  /** Sequence number of the last tx queued ahead (overrides queuedAhead when set). */
  followsSeq?: bigint;
  /** Fees already committed by queued txs of the same fee source (for balance check). */
  queuedFees: bigint;
}

/** Admission verdict: null when valid; else the codes (and result XDR) Horizon returns with 400. */
export interface CheckFailure {
  resultCodes: ResultCodes;
  resultXdr: Buffer;
}

export interface LedgerCloseResult {
  header: LedgerHeader;
  /** Final value of every entry written by this ledger (null = deleted). */
  changes: Map<EntryKey, LedgerEntry | null>;
  /** Frames in apply order, and what applying each produced (same order, index 1-based). */
  frames: TxFrame[];
  applied: AppliedTx[];
}

export type {LedgerStateReader};
