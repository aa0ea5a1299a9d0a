export {LedgerStore, isPaymentOp, type NetworkMeta, type LedgerCommit, type StoreOptions} from "./ledger-store.js";
export {ledgerCommit, memoFields} from "./records.js";
export {toidString, parseToid, type Toid} from "./toid.js";
export {StoreError, StoreErrorCode} from "./errors.js";
export type {StoredTx, StoredOp, PageQuery, OpFilter, TxFilter, LedgerReader} from "./types.js";
