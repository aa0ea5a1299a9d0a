export {LedgerStore, isPaymentOp, type NetworkMeta, type LedgerCommit, type StoreOptions} from "./ledger-store.js";
export {ledgerCommit, memoFields, metaXdrOf, plainMetaOf, storedTxOf} from "./records.js";
export {toidString, parseToid, type Toid} from "./toid.js";
export {StoreError, StoreErrorCode} from "./errors.js";
export {dbStats, formatDbStats, type DbStats, type TableStats} from "./stats.js";
export {defaultStoreOptions, type PrunedHistory} from "./options.js";
export type {StoredTx, StoredOp, PageQuery, OpFilter, TxFilter, LedgerReader} from "./types.js";
