/**
 * What history needs from the rest of the node, as narrow interfaces: the store's reads of past
 * ledgers, and the ledger manager's `applyLedger` (src/herder/ledger-manager.ts), the one place
 * ledgers are applied, which replays a fetched ledger and refuses it unless it reproduces the
 * expected header hash.
 */
import type {LedgerHeader} from "../ledger/types.js";

/** A closed ledger's tx set as the store keeps it (src/store/txsets-repo.ts). */
export interface TxSetOfLedger {
  closeTime: number;
  baseFeeCharged: bigint;
  /** TransactionEnvelope XDR in apply order. */
  envelopes: Buffer[];
}

export interface LedgerSource {
  latestHeader(): LedgerHeader;
  header(seq: number): LedgerHeader | undefined;
  /** Undefined for genesis and for ledgers this node did not close or replay itself. */
  txSetAt(seq: number): TxSetOfLedger | undefined;
}

export interface LedgerToReplay {
  seq: number;
  txs: {envelopes: Buffer[]};
  closeTime: number;
  baseFeeCharged: bigint;
  /** The ledger is committed only if replaying it gives this header hash. */
  expectedHash: string;
}

export interface LedgerApplier {
  applyLedger(l: LedgerToReplay): Promise<{header: LedgerHeader}>;
}
