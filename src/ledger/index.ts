export {closeLedger, closeLedgerSteps, applyOrder, txSetHashOf, checkCloseInvariants, type CloseParams} from "./close.js";
export {genesisLedger, rootKeypair, GENESIS_LEDGER_SEQ} from "./genesis.js";
export {headerHash, stateHashOf, ZERO_HASH_HEX} from "./header.js";
export {encodeEntry, encodeHeader, CanonicalWriter} from "./encode.js";
export {LedgerTxn, cloneEntry} from "./state.js";
export {LedgerError, LedgerErrorCode} from "./errors.js";
export {
  networkConfig,
  networkIdOf,
  DEFAULT_PASSPHRASE,
  DEFAULT_TOTAL_COINS,
  DEFAULT_BASE_FEE,
  DEFAULT_BASE_RESERVE,
  DEFAULT_MAX_TX_SET_SIZE,
  PROTOCOL_VERSION,
  STROOPS_PER_DIAM,
  ACCOUNT_SUBENTRY_LIMIT,
  MAX_SIGNERS,
} from "./options.js";
export {accountKey, dataKey, entryKey} from "./types.js";
export type {AccountEntry, DataEntry, LedgerEntry, LedgerHeader, LedgerStateReader, NetworkConfig, EntryKey, AccountId, Signer, Thresholds} from "./types.js";
export {newAccountEntry} from "./entries.js";
