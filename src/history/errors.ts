import {DiamanteError} from "../util/errors.js";

export enum HistoryErrorCode {
  /** An option or argument is out of range (archive spec, ledger range, template). */
  BAD_OPTION = "history_bad_option",
  /** Reading or writing the archive failed (folder, command template, HTTP). */
  ARCHIVE_IO = "history_archive_io",
  /** A file the archive should hold is absent. */
  MISSING = "history_missing",
  /** An archive file or peer reply is not what it claims: bad shape, wrong sha256, broken hash chain. */
  CORRUPT = "history_corrupt",
  /** The archive or peer belongs to another network (passphrase or genesis differ). */
  WRONG_NETWORK = "history_wrong_network",
  /** Replaying a ledger gave another header than the archived or served one. */
  HASH_MISMATCH = "history_hash_mismatch",
  /** No peer could serve the ledgers asked for. */
  UNAVAILABLE = "history_unavailable",
}

export class HistoryError extends DiamanteError<HistoryErrorCode> {}
