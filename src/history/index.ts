export {CHECKPOINT_FREQUENCY, ROOT_STATE_PATH, checkpointOf, checkpointPath, isCheckpoint} from "./checkpoint.js";
export {FolderArchive, CommandArchive, HttpArchive, archiveFromSpec, archiveFromConfig, canPublish, type HistoryArchive, type CommandTemplates} from "./archive.js";
export {HistoryPublisher, genesisParamsOf} from "./publisher.js";
export {catchupFromArchive, ArchiveReader, type ArchiveCatchupOptions, type ArchiveCatchupResult} from "./catchup-archive.js";
export {encodeLedgerRecord, decodeLedgerRecord, checkChain, type LedgerRecord} from "./ledger-record.js";
export type {LedgerApplier, LedgerSource, LedgerToReplay, TxSetOfLedger} from "./interface.js";
export {HistoryError, HistoryErrorCode} from "./errors.js";
