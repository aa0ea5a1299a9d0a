import {DiamanteError} from "../util/errors.js";

/**
 * Why a keystore could not be written or opened. A wrong password and a tampered ciphertext both
 * fail the same MAC check, so both are `bad_password`; the other codes come from the file's shape,
 * which is checked before any key is derived.
 */
export type KeystoreErrorCode =
  /** The MAC did not verify: wrong password, or the ciphertext, nonce, salt or kdf params were altered. */
  | "bad_password"
  /** The JSON ends early, or the ciphertext is shorter than its plaintext plus MAC must be. */
  | "truncated"
  /** The fields are well formed but disagree: a ciphertext too long for its kind, or a decrypted secret of the wrong shape. */
  | "tampered"
  /** `diamante_keystore` is a version this code does not read. */
  | "unknown_version"
  /** KDF algorithm or limits outside what we accept (refused before any hashing). */
  | "bad_params"
  /** Not a keystore: not JSON, a field missing or of the wrong type, bad base64 or lengths. */
  | "bad_format"
  /** The secret decrypted, but its public key is not the file's clear `public_key`. */
  | "public_key_mismatch"
  /** A bad argument when creating a keystore: empty password, bad seed, invalid mnemonic, bad name. */
  | "bad_input";

export class KeystoreError extends DiamanteError<KeystoreErrorCode> {
  constructor(code: KeystoreErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "KeystoreError";
  }
}

/** Why a `diamante wallet` command failed; the CLI prints the code (and exits 2 for `usage`). */
export type WalletErrorCode =
  /** Bad flags or arguments: nothing was read from or sent to the node. */
  | "usage"
  | "keystore_not_found"
  | "keystore_exists"
  /** No password: no terminal to prompt on and no DIAMANTE_WALLET_PASSWORD. */
  | "no_password"
  | "node_unreachable"
  /** The node answered with an error (problem+json) to a read. */
  | "node_error"
  | "account_not_found"
  | "friendbot_failed"
  /** /paths found no way to deliver the receive asset. */
  | "no_path"
  /** The transaction was refused or failed in its ledger; meta carries Horizon's result codes. */
  | "tx_failed"
  /** Resubmissions timed out until the transaction's upper time bound passed: it can no longer be included. */
  | "tx_expired"
  /** The node stopped answering (or its ledgers stalled) before the outcome was known: look the hash up. */
  | "tx_status_unknown"
  | "stream_error";

export class WalletError extends DiamanteError<WalletErrorCode> {
  constructor(code: WalletErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "WalletError";
  }
}
